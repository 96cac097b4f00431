// The admin's settings page: agent profiles (/api/agents), SMS templates (/api/sms-templates) and business calendars
// (/api/calendars, with a preview of "N working hours from now"). Every write answers a problem naming the field when
// it is wrong; the page shows it. Data goes into the page as DOM text only.
import { act, element, json, renderPageHeader, say, tenantPicker } from './admin-kit.js';
import { renderNav } from './nav.js';

const $ = id => document.getElementById(id);

// The toolbar and admin tabs first, before anything is fetched, so the page does not jump.
renderPageHeader({ brand: 'Processes admin', tab: 'settings' });
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
let calendars = [];
// The API path in the tenant these settings belong to (unchanged: the session's, as the API decides without ?tenantId=).
let scoped = path => path;

function button(text, onClick) {
  const node = element('button', text);
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}

const list = text => String(text ?? '').split(',').map(part => part.trim()).filter(Boolean);

// Agents

async function loadAgents() {
  const agents = await json('GET', scoped('/api/agents'));
  $('agents').replaceChildren(...agents.map(agent => {
    const item = element('li');
    // The row's exact name, for whoever looks for one agent: its text also holds other names ('agent-1' is in 'pos-agent-1').
    item.dataset.userName = agent.userName;
    const facts = [agent.skills.join(', '), agent.regions.join(', '), agent.languages.join(', '), agent.tiers.join(', '), agent.channels.join(', ')]
      .filter(Boolean).join(' · ');
    item.append(element('strong', agent.userName), element('span', facts, 'muted'),
      element('span', `${agent.onDuty ? 'on duty' : 'off duty'}, capacity ${agent.capacity}${agent.phone ? `, ${agent.phone}` : ''}`, 'muted'),
      element('span', [agent.position, agent.grade, agent.outsourced ? 'outsourced' : ''].filter(Boolean).join(' · '), 'muted'),
      button('Edit', () => editAgent(agent)),
      button('Delete', () => {
        if (confirm(`Delete the profile of ${agent.userName}? Dispatch no longer picks them.`)) {
          act(async () => {
            await json('DELETE', scoped(`/api/agents/${encodeURIComponent(agent.userName)}`));
            await loadAgents();
          }, `Deleted the profile of ${agent.userName}.`);
        }
      }));
    return item;
  }));
}

function editAgent(agent) {
  const form = $('agent-form').elements;
  form.userName.value = agent.userName;
  for (const name of ['skills', 'regions', 'languages', 'tiers', 'channels']) form[name].value = agent[name].join(', ');
  form.capacity.value = agent.capacity;
  form.phone.value = agent.phone ?? '';
  form.onDuty.checked = agent.onDuty;
  form.position.value = agent.position ?? '';
  form.grade.value = agent.grade ?? '';
  form.outsourced.checked = agent.outsourced;
  form.userName.focus();
}

async function saveAgent(event) {
  event.preventDefault();
  const form = event.target.elements;
  const userName = form.userName.value.trim();
  await act(async () => {
    await json('PUT', scoped(`/api/agents/${encodeURIComponent(userName)}`), {
      json: {
        skills: list(form.skills.value), regions: list(form.regions.value), languages: list(form.languages.value), tiers: list(form.tiers.value),
        channels: list(form.channels.value), capacity: Number(form.capacity.value), onDuty: form.onDuty.checked, phone: form.phone.value.trim() || null,
        position: form.position.value.trim() || null, grade: form.grade.value.trim() || null, outsourced: form.outsourced.checked,
      },
    });
    await loadAgents();
  }, `Saved the profile of ${userName}.`);
}

// Positions

async function loadPositions() {
  const positions = await json('GET', '/api/positions');
  $('position-names').replaceChildren(...positions.map(position => Object.assign(element('option'), { value: position.name })));
  $('positions').replaceChildren(...positions.map(position => {
    const item = element('li');
    const limit = position.refundLimit === null ? 'every refund to finance' : `refunds up to ${position.refundLimit} alone`;
    item.append(element('strong', `${position.name} — ${position.title}`),
      element('span', [position.duties.join(', '), position.tiers.length ? `tiers ${position.tiers.join(', ')}` : 'every tier'].filter(Boolean).join(' · '), 'muted'),
      element('span', limit, 'muted'),
      button('Edit', () => {
        const form = $('position-form').elements;
        form.name.value = position.name;
        form.title.value = position.title;
        form.duties.value = position.duties.join(', ');
        form.tiers.value = position.tiers.join(', ');
        form.refundLimit.value = position.refundLimit ?? '';
        form.name.focus();
      }),
      button('Delete', () => {
        if (confirm(`Delete the position ${position.name}?`)) {
          act(async () => {
            await json('DELETE', `/api/positions/${encodeURIComponent(position.name)}`);
            await loadPositions();
          }, `Deleted the position ${position.name}.`);
        }
      }));
    return item;
  }));
}

async function savePosition(event) {
  event.preventDefault();
  const form = event.target.elements;
  const name = form.name.value.trim();
  await act(async () => {
    await json('PUT', `/api/positions/${encodeURIComponent(name)}`, {
      json: {
        title: form.title.value.trim(), duties: list(form.duties.value), tiers: list(form.tiers.value),
        refundLimit: form.refundLimit.value === '' ? null : Number(form.refundLimit.value),
      },
    });
    await loadPositions();
  }, `Saved the position ${name}.`);
}

// SMS templates

async function loadTemplates() {
  const templates = await json('GET', scoped('/api/sms-templates'));
  $('templates').replaceChildren(...templates.map(template => {
    const item = element('li');
    item.append(element('strong', template.id), element('span', template.text), element('span', template.description ?? '', 'muted'),
      button('Edit', () => {
        const form = $('template-form').elements;
        form.id.value = template.id;
        form.text.value = template.text;
        form.parameters.value = template.parameters.join(', ');
        form.description.value = template.description ?? '';
        form.text.focus();
      }));
    return item;
  }));
}

async function saveTemplate(event) {
  event.preventDefault();
  const form = event.target.elements;
  const id = form.id.value.trim();
  await act(async () => {
    await json('PUT', scoped(`/api/sms-templates/${encodeURIComponent(id)}`), {
      json: { text: form.text.value, parameters: list(form.parameters.value), description: form.description.value.trim() || null },
    });
    await loadTemplates();
  }, `Saved the SMS template ${id}.`);
}

// Calendars

function weekInputs() {
  $('week').replaceChildren($('week').querySelector('legend') ?? element('legend'), ...DAYS.flatMap(day => {
    const label = element('label', day);
    const input = element('input');
    input.name = `day-${day}`;
    input.id = `day-${day}`;
    input.autocomplete = 'off';
    input.setAttribute('aria-label', `Working hours on ${day}`);
    label.htmlFor = input.id;
    return [label, input];
  }));
}

async function loadCalendars() {
  calendars = await json('GET', scoped('/api/calendars'));
  $('calendars').replaceChildren(...calendars.map(calendar => {
    const item = element('li');
    const days = DAYS.filter(day => calendar.week?.[day]?.length).map(day => day.slice(0, 3)).join(' ');
    item.append(element('strong', calendar.name), element('span', calendar.timeZone, 'muted'), element('span', days, 'muted'),
      element('span', `${calendar.holidays?.length ?? 0} holiday(s)`, 'muted'), button('Edit', () => editCalendar(calendar)));
    return item;
  }));
  const select = $('preview-calendar');
  const chosen = select.value;
  select.replaceChildren(...calendars.map(calendar => {
    const option = element('option', calendar.name);
    option.value = calendar.name;
    return option;
  }));
  if (calendars.some(c => c.name === chosen)) select.value = chosen;
}

function editCalendar(calendar) {
  const form = $('calendar-form').elements;
  form.name.value = calendar.name;
  form.timeZone.value = calendar.timeZone;
  for (const day of DAYS) form[`day-${day}`].value = (calendar.week?.[day] ?? []).map(([from, to]) => `${from}-${to}`).join(', ');
  form.holidays.value = (calendar.holidays ?? []).map(h => `${h.date}${h.name ? ` ${h.name}` : ''}`).join('\n');
  form.workingDays.value = (calendar.workingDays ?? []).join(', ');
  form.name.focus();
}

async function saveCalendar(event) {
  event.preventDefault();
  const form = event.target.elements;
  const name = form.name.value.trim();
  const week = {};
  for (const day of DAYS) {
    const intervals = list(form[`day-${day}`].value).map(interval => interval.split('-').map(part => part.trim()));
    if (intervals.length > 0) week[day] = intervals;
  }
  const holidays = form.holidays.value.split('\n').map(line => line.trim()).filter(Boolean).map(line => {
    const [date, ...rest] = line.split(/\s+/);
    return rest.length ? { date, name: rest.join(' ') } : { date };
  });
  const existing = calendars.find(c => c.name === name);
  await act(async () => {
    await json('PUT', scoped(`/api/calendars/${encodeURIComponent(name)}`), {
      json: { name, timeZone: form.timeZone.value.trim(), week, holidays, workingDays: list(form.workingDays.value) },
      // Changing a calendar someone else changed meanwhile is refused (412) instead of overwriting their change.
      headers: existing ? { 'If-Match': `"${existing.version}"` } : {},
    });
    await loadCalendars();
  }, `Saved the calendar ${name}.`);
}

async function preview(event) {
  event.preventDefault();
  const form = event.target.elements;
  await act(async () => {
    const answer = await json('GET', scoped(`/api/calendars/${encodeURIComponent(form.name.value)}/preview?hours=${encodeURIComponent(form.hours.value)}`));
    const due = new Date(answer.due).toLocaleString(undefined, { timeZone: answer.timeZone, dateStyle: 'full', timeStyle: 'short' });
    $('preview').textContent = `${answer.workingHours} working hour(s) from now in ${answer.name} end ${due} (${answer.timeZone}).`;
  });
}

// Connector secrets: names and where they are set; a value goes in and never comes back out.

async function loadSecrets() {
  const secrets = await json('GET', scoped('/api/secrets'));
  $('secrets').replaceChildren(...secrets.map(secret => {
    const item = element('li');
    item.dataset.name = secret.name;
    const where = [secret.stored ? `stored${secret.updatedBy ? ` by ${secret.updatedBy}` : ''}${secret.updatedAt ? ` ${new Date(secret.updatedAt).toLocaleString()}` : ''}` : '',
      secret.configured ? 'set in configuration (wins)' : ''].filter(Boolean).join(' · ');
    item.append(element('strong', secret.name), element('span', where, 'muted'),
      button('Replace', () => {
        const form = $('secret-form').elements;
        form.name.value = secret.name;
        form.value.value = '';
        form.value.focus();
      }));
    if (secret.stored) {
      item.append(button('Delete', () => {
        if (confirm(`Delete the stored secret ${secret.name}? Models that use it fail until it is set again.`)) {
          act(async () => {
            await json('DELETE', scoped(`/api/secrets/${encodeURIComponent(secret.name)}`));
            await loadSecrets();
          }, `Deleted the secret ${secret.name}.`);
        }
      }));
    }
    return item;
  }));
}

async function saveSecret(event) {
  event.preventDefault();
  const form = event.target.elements;
  const name = form.name.value.trim();
  await act(async () => {
    await json('PUT', scoped(`/api/secrets/${encodeURIComponent(name)}`), { json: { value: form.value.value } });
    // The value leaves the page once saved: nothing keeps it in a field to be read back.
    event.target.reset();
    await loadSecrets();
  }, `Saved the secret ${name}; jobs use it from their next run.`);
}

/** The tenant picker (admin-kit.js): a pick empties the forms and reloads what the page shows of that tenant. */
async function pickTenant() {
  scoped = await tenantPicker({
    select: $('settings-tenant'), row: $('tenant-row'), what: 'settings',
    onChange: async () => {
      for (const form of ['agent-form', 'template-form', 'calendar-form', 'secret-form']) $(form).reset();
      $('preview').textContent = '';
      await Promise.all([loadAgents(), loadTemplates(), loadCalendars(), loadSecrets()]);
    },
  });
}

async function start() {
  const me = await json('GET', '/api/auth/me');
  renderNav(me, 'admin');
  await pickTenant();
  weekInputs();
  $('agent-form').addEventListener('submit', saveAgent);
  $('position-form').addEventListener('submit', savePosition);
  $('template-form').addEventListener('submit', saveTemplate);
  $('calendar-form').addEventListener('submit', saveCalendar);
  $('preview-form').addEventListener('submit', preview);
  $('secret-form').addEventListener('submit', saveSecret);
  await Promise.all([loadAgents(), loadPositions(), loadTemplates(), loadCalendars(), loadSecrets()]);
}

window.processesSettings = { ready: start().catch(error => say('error', `The page could not start: ${error.message}`)) };
