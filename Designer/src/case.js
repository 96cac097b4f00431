// The /cases/{key} page: one case as the API shows it to the signed-in user (GET /api/instances/{key}; a case the
// user may not see is a 404 there, so the page only says it was not found). The diagram is the instance's own
// definition version, with the live elements and incidents marked; the history comes latest first with the last
// three on top; variables are shown as the API answers them (masked by the engine). Actions are API calls whose
// policies stay the gate: the page only leaves out a button the API would refuse.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { drawHeatmap, loadHeatmap } from './heatmap.js';
import { ApiError, goToLogin, request } from './api.js';

const $ = id => document.getElementById(id);
const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
};
const time = iso => (iso ? new Date(iso).toLocaleString() : '');
const RECENT = 3;

let me = null;
let viewer = null;
let shownDefinition = null;
let history = [];
let historyAll = false;

async function json(method, url, options) {
  const response = await request(method, url, options);
  return response.status === 204 ? null : response.json();
}

function showMessage(kind, text) {
  $('message').className = `message ${kind}`;
  $('message').textContent = text;
}

function problemText(error) {
  if (!(error instanceof ApiError)) return error.message;
  const fields = Object.values(error.problem.errors ?? {}).flat();
  return fields.length > 0 ? fields.join(' ') : error.message;
}

const caseKey = () => decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] ?? '');
const caseLink = key => Object.assign(el('a', '', key), { href: `/cases/${encodeURIComponent(key)}` });

function renderHead(view) {
  const instance = view.instance;
  $('case-title').textContent = `${instance.processDefinitionName ?? instance.processDefinitionId} · ${instance.businessKey ?? instance.processInstanceKey}`;
  document.title = `${$('case-title').textContent} — Processes`;
  const facts = [
    ['Instance', instance.processInstanceKey], ['Process', `${instance.processDefinitionId} v${instance.processDefinitionVersion}`],
    ['State', instance.state + (view.incidents.length > 0 ? ` · ${view.incidents.length} incident(s)` : '')],
    ['Started', time(instance.startDate)], ['Ended', time(instance.endDate) || '—'],
  ];
  const dd = [];
  for (const [term, value] of facts) dd.push(el('dt', '', term), el('dd', '', value));
  if (instance.parentProcessInstanceKey) {
    const parent = el('dd');
    parent.append(caseLink(instance.parentProcessInstanceKey));
    dd.push(el('dt', '', 'Called by'), parent);
  }
  $('case-facts').replaceChildren(...dd);
  renderActions(view);
}

function renderActions(view) {
  const actions = [];
  // Cancelling is the operators' (POST /v2/process-instances/{key}/cancellation has the policy operator).
  const mayCancel = me.roles.includes('operator') || me.roles.includes('admin');
  if (mayCancel && view.instance.state === 'ACTIVE') {
    const cancel = el('button', 'danger', 'Cancel the case');
    cancel.id = 'cancel-case';
    cancel.addEventListener('click', async () => {
      if (!confirm('Cancel this case? Its open tasks and jobs end.')) return;
      cancel.disabled = true;
      try {
        await json('POST', `/v2/process-instances/${encodeURIComponent(view.instance.processInstanceKey)}/cancellation`);
        showMessage('success', 'Case cancelled.');
        await load();
      } catch (error) {
        showMessage('error', problemText(error));
        cancel.disabled = false;
      }
    });
    actions.push(cancel);
  }
  $('actions').replaceChildren(...actions);
}

async function renderDiagram(view) {
  const definitionKey = view.instance.processDefinitionKey;
  if (!viewer) viewer = new NavigatedViewer({ container: $('diagram') });
  if (shownDefinition !== definitionKey) {
    const response = await request('GET', `/v2/process-definitions/${encodeURIComponent(definitionKey)}/xml`);
    await viewer.importXML(await response.text());
    shownDefinition = definitionKey;
    viewer.get('canvas').zoom('fit-viewport', 'auto');
  }
  const canvas = viewer.get('canvas');
  const overlays = viewer.get('overlays');
  const registry = viewer.get('elementRegistry');
  overlays.clear();
  for (const element of registry.getAll()) {
    canvas.removeMarker(element.id, 'token');
    canvas.removeMarker(element.id, 'incident');
  }
  const counts = new Map();
  for (const active of view.activeElements) {
    if (active.isMultiInstanceBody || !registry.get(active.elementId)) continue;
    counts.set(active.elementId, (counts.get(active.elementId) ?? 0) + 1);
    canvas.addMarker(active.elementId, active.incidentKey ? 'incident' : 'token');
  }
  for (const incident of view.incidents) {
    if (registry.get(incident.elementId)) canvas.addMarker(incident.elementId, 'incident');
  }
  for (const [elementId, count] of counts) {
    overlays.add(elementId, 'tokens', { position: { top: -10, right: 10 }, html: el('span', 'token-count', count) });
  }
  // The heatmap (issue 19), when switched on: every instance of this definition the user may see, not this case alone.
  if ($('heatmap-toggle')?.getAttribute('aria-pressed') === 'true') drawHeatmap(viewer, await loadHeatmap(definitionKey));
}

function renderTasks(view) {
  const rows = view.tasks.map(task => {
    const tr = el('tr');
    tr.dataset.key = task.userTaskKey;
    const process = el('td');
    process.append(`${task.processDefinitionId} · `, caseLink(task.processInstanceKey));
    tr.append(el('td', '', task.name ?? task.elementId), process, el('td', '', task.state), el('td', '', task.assignee ?? 'unassigned'),
      el('td', '', task.candidateGroups.join(', ') || '—'), el('td', '', time(task.dueDate) || '—'));
    return tr;
  });
  $('task-rows').replaceChildren(...rows);
  $('tasks-empty').hidden = rows.length > 0;
  $('called').replaceChildren(...view.calledInstances.map(called => {
    const li = el('li');
    li.append(`Called: ${called.processDefinitionId} v${called.version} · `, caseLink(called.processInstanceKey), ` · ${called.state}`);
    return li;
  }));
}

function describe(entry) {
  const what = [entry.event.replaceAll('_', ' ').toLowerCase(), entry.elementId].filter(Boolean).join(' · ');
  return `${time(entry.at)} — ${what}`;
}

function renderHistory() {
  const shown = historyAll ? history : history.slice(0, RECENT);
  $('history').replaceChildren(...shown.map(entry => {
    const li = el('li');
    const details = el('details');
    details.append(el('summary', '', describe(entry)));
    details.append(el('pre', '', JSON.stringify({ instance: entry.processInstanceKey, type: entry.elementType, ...entry.details ?? {} }, null, 2)));
    li.append(details);
    return li;
  }));
  $('history-all').hidden = historyAll || history.length <= RECENT;
  $('history-all').textContent = `Show all (${history.length})`;
}

function renderVariables(variables) {
  const names = Object.keys(variables).sort((a, b) => a.localeCompare(b));
  $('variables').replaceChildren(...names.flatMap(name => {
    const value = variables[name];
    const dd = el('dd');
    dd.append(typeof value === 'object' && value !== null ? el('pre', '', JSON.stringify(value, null, 2)) : String(value));
    return [el('dt', '', name), dd];
  }));
}

async function loadHistory(key) {
  const entries = [];
  let after = '';
  // The trail is paged oldest first; a case's trail is short enough to read whole and show newest first.
  for (let page = 0; page < 20; page++) {
    const answer = await json('GET', `/api/instances/${encodeURIComponent(key)}/history?include=called&limit=200${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    entries.push(...answer.items);
    if (!answer.nextCursor) break;
    after = answer.nextCursor;
  }
  return entries.reverse();
}

async function load() {
  const key = caseKey();
  let view;
  try {
    view = await json('GET', `/api/instances/${encodeURIComponent(key)}`);
  } catch (error) {
    $('case').hidden = true;
    showMessage('error', error instanceof ApiError && error.status === 404 ? `Case ${key} was not found.` : problemText(error));
    return;
  }
  $('case').hidden = false;
  renderHead(view);
  renderTasks(view);
  renderVariables(view.variables);
  history = await loadHistory(key);
  renderHistory();
  try {
    await renderDiagram(view);
  } catch (error) {
    showMessage('error', `The diagram could not be shown: ${problemText(error)}`);
  }
}

async function start() {
  me = await json('GET', '/api/auth/me');
  $('user').textContent = me.userName;
  $('operations-link').hidden = !(me.roles.includes('operator') || me.roles.includes('admin'));
  $('sign-out').addEventListener('click', async () => { await request('POST', '/api/auth/logout'); goToLogin(); });
  $('history-all').addEventListener('click', () => { historyAll = true; renderHistory(); });
  $('heatmap-toggle').addEventListener('click', event => {
    event.currentTarget.setAttribute('aria-pressed', String(event.currentTarget.getAttribute('aria-pressed') !== 'true'));
    window.processesCase.ready = load();
  });
  await load();
}

window.processesCase = { ready: start().catch(error => showMessage('error', `The case could not be shown: ${problemText(error)}`)) };
