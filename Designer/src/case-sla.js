// The case's SLA clock on the case page (GET /api/instances/{key}/sla): running, or paused since when, why and by
// whom (a model's wait — "model:<element>" — or a person). Agents, supervisors and admins — the policy of
// POST /api/instances/{key}/sla/pause|resume — get the button: pausing asks for the reason the API requires; the
// API's refusal (no running SLA timer, paused already) is shown as it says it.
import { request } from './api.js';

const time = iso => (iso ? new Date(iso).toLocaleString() : '');

/** Renders the clock into `container`; `onChange` reloads the case after a pause or resume, `fail` shows a refusal. */
export async function renderSlaClock(container, key, { me, active, el, onChange, fail }) {
  let clock;
  try {
    clock = await (await request('GET', `/api/instances/${encodeURIComponent(key)}/sla`)).json();
  } catch {
    container.replaceChildren();
    return;
  }
  const open = clock.pauses.find(pause => !pause.resumedAt);
  const state = el('p', 'sla-state');
  state.id = 'sla-state';
  state.dataset.state = clock.state;
  if (open) {
    state.append('SLA clock: ', el('strong', 'sla-badge sla-paused', 'paused'),
      ` since ${time(open.pausedAt)} — ${open.reason} (${open.pausedBy})`);
  } else {
    state.append('SLA clock: running');
  }
  const parts = [state];
  const mayPause = ['agent', 'supervisor', 'admin'].some(role => me.roles.includes(role));
  if (mayPause && active) {
    const button = el('button', '', open ? 'Resume the SLA' : 'Pause the SLA');
    button.type = 'button';
    button.id = open ? 'sla-resume' : 'sla-pause';
    parts.push(button);
    const form = pauseForm(key, el, onChange, fail);
    button.addEventListener('click', async () => {
      if (!open) {
        form.hidden = false;
        form.querySelector('input').focus();
        return;
      }
      button.disabled = true;
      try {
        await request('POST', `/api/instances/${encodeURIComponent(key)}/sla/resume`, { json: {} });
        await onChange('SLA resumed: its timers count the time that was left from now.');
      } catch (error) {
        fail(error);
        button.disabled = false;
      }
    });
    if (!open) parts.push(form);
  }
  container.replaceChildren(...parts);
}

function pauseForm(key, el, onChange, fail) {
  const form = el('form', 'sla-pause-form');
  form.hidden = true;
  const label = el('label', '', 'Why does the SLA pause?');
  label.htmlFor = 'sla-reason';
  const input = el('input');
  input.id = 'sla-reason';
  input.required = true;
  input.maxLength = 200;
  input.placeholder = 'waiting on the customer’s reply';
  const submit = el('button', 'primary', 'Pause');
  submit.type = 'submit';
  submit.id = 'sla-pause-submit';
  const cancel = el('button', '', 'Cancel');
  cancel.type = 'button';
  cancel.addEventListener('click', () => { form.hidden = true; });
  form.append(label, input, submit, cancel);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    submit.disabled = true;
    try {
      await request('POST', `/api/instances/${encodeURIComponent(key)}/sla/pause`, { json: { reason: input.value.trim() } });
      await onChange('SLA paused: its timers stop until it resumes.');
    } catch (error) {
      fail(error);
      submit.disabled = false;
    }
  });
  return form;
}
