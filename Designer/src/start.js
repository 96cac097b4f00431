// The start dialog (Tasklist's "Processes"): the processes a person may start (GET /api/processes/startable, the
// policy of POST /v2/process-instances: agents, supervisors, admins), the chosen one's start form (form-js, from
// GET /v2/process-definitions/{key}/form) or, when it has none, its variables as JSON; starting lands on the new
// case page. The API still decides: the dialog only leaves out a button it would refuse.
import { ApiError, request } from './api.js';
import { renderStartForm } from './start-form.js';

const STARTERS = ['agent', 'supervisor', 'admin'];

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

function problemText(error) {
  if (!(error instanceof ApiError)) return error.message;
  const fields = Object.entries(error.problem.errors ?? {}).map(([field, texts]) => `${field}: ${[].concat(texts).join(' ')}`);
  return fields.length > 0 ? fields.join(' ') : error.message;
}

/** Whether `me` may start processes (the roles of the policy agent, and admin). */
export const mayStart = me => STARTERS.some(role => me.roles.includes(role));

/**
 * Shows `button` to those who may start processes and opens the dialog from it. The dialog is built once, appended
 * to the body; `window.processesStart` exposes the last start's promise to the tests.
 */
export function setUpStart(me, button) {
  if (!mayStart(me)) {
    button.hidden = true;
    return;
  }
  button.hidden = false;
  let dialog = null;
  button.addEventListener('click', () => {
    dialog ??= buildDialog();
    dialog.open();
  });
}

function buildDialog() {
  const select = el('select', { id: 'start-process', name: 'process', required: true });
  const formBox = el('div', { id: 'start-form', className: 'task-form' });
  const message = el('p', { id: 'start-message', className: 'message', role: 'alert' });
  // Buttons, not a <form>: form-js renders its own form inside, and forms do not nest.
  const submit = el('button', { type: 'button', id: 'start-submit', className: 'primary', textContent: 'Start' });
  const cancel = el('button', { type: 'button', id: 'start-cancel', textContent: 'Cancel' });
  const heading = el('h2', { id: 'start-title', textContent: 'Start a case' });
  const shell = el('div', { className: 'start-form' },
    heading,
    el('label', {}, 'Process ', select),
    formBox, message,
    el('div', { className: 'task-actions' }, submit, cancel));
  const dialog = el('dialog', { id: 'start-dialog', className: 'start-dialog' }, shell);
  dialog.setAttribute('aria-labelledby', 'start-title');
  document.body.append(dialog);

  let processes = [];
  let shown = null;
  let loading = 0;

  const say = (kind, text) => { message.className = `message ${kind}`; message.textContent = text; };

  async function showProcess() {
    const mine = ++loading;
    shown?.destroy();
    shown = null;
    formBox.replaceChildren();
    say('', '');
    const process = processes.find(p => p.processDefinitionKey === select.value);
    if (!process) return;
    try {
      // A box per choice: a slower answer for an earlier choice renders into its own box, which is then dropped.
      const box = el('div');
      formBox.replaceChildren(box);
      const rendered = await renderStartForm(box, process.processDefinitionKey);
      if (mine !== loading) {
        rendered.destroy();
        box.remove();
        return;
      }
      shown = rendered;
    } catch (error) {
      say('error', `The start form could not be shown: ${problemText(error)}`);
    }
  }

  async function start() {
    say('', '');
    if (!select.value) {
      say('error', 'Choose a process to start.');
      return;
    }
    let data;
    try {
      if (!shown) throw new Error('The start form is still loading.');
      data = shown.variables();
    } catch (error) {
      say('error', error.message);
      return;
    }
    submit.disabled = true;
    try {
      const response = await request('POST', '/v2/process-instances', { json: { processDefinitionKey: select.value, variables: data } });
      const created = await response.json();
      location.assign(`/cases/${encodeURIComponent(created.processInstanceKey)}?started=1`);
    } catch (error) {
      say('error', problemText(error));
      submit.disabled = false;
    }
  }

  submit.addEventListener('click', () => { window.processesStart = start(); });
  select.addEventListener('change', () => { window.processesStart = showProcess(); });
  cancel.addEventListener('click', () => dialog.close());

  return {
    async open() {
      dialog.showModal();
      say('', '');
      submit.disabled = false;
      const load = (async () => {
        try {
          processes = await (await request('GET', '/api/processes/startable')).json();
        } catch (error) {
          say('error', `The processes could not be listed: ${problemText(error)}`);
          return;
        }
        select.replaceChildren(el('option', { value: '', textContent: 'Choose a process…' }),
          ...processes.map(p => el('option', { value: p.processDefinitionKey, textContent: `${p.name ?? p.processDefinitionId} (v${p.version})` })));
        select.focus();
      })();
      window.processesStart = load;
      await load;
    },
  };
}
