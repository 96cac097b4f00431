// The /cases/{key} page: one case as the API shows it to the signed-in user (GET /api/instances/{key}; a case the
// user may not see is a 404 there, so the page only says it was not found). The diagram is the instance's own
// definition version, with the live elements and incidents marked; the history comes latest first with the last
// three on top; variables are shown as the API answers them (masked by the engine). Actions are API calls whose
// policies stay the gate: the page only leaves out a button the API would refuse. The actions the case's state offers
// (GET /api/instances/{key}/actions) are the model's: a button each, with the model's form to fill first if it names one.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { Form } from '@bpmn-io/form-js';
import { ApiError, request } from './api.js';
import { escapingTemplating } from './form-templating.js';
import { renderNav } from './nav.js';
import { setUpStart } from './start.js';
import { drawCase } from './case-diagram.js';
import { addComment, loadComments, renderVariables, saveVariable } from './case-edits.js';
import { renderSlaClock } from './case-sla.js';
import { documentsIn, renderDocuments } from './documents.js';

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
let updates = [];
let updatesAll = false;
let actionForm = null;
let openAction = null;

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

function renderHead(view, offered) {
  const instance = view.instance;
  // What people call the case (the model's title, else the business key); the key stays in the facts below.
  $('case-title').textContent = view.title ?? `${instance.processDefinitionName ?? instance.processDefinitionId} · ${instance.businessKey ?? instance.processInstanceKey}`;
  document.title = `${$('case-title').textContent} — Processes`;
  const facts = [
    ['Instance', instance.processInstanceKey], ['Process', `${instance.processDefinitionId} v${instance.processDefinitionVersion}`],
    ['State', instance.state + (view.incidents.length > 0 ? ` · ${view.incidents.length} incident(s)` : '')],
    ['Started', time(instance.startDate)], ['Ended', time(instance.endDate) || '—'],
  ];
  const dd = [];
  for (const [term, value] of facts) dd.push(el('dt', '', term), el('dd', '', value));
  // Camunda's instance tags, given at creation: small chips, as labels rather than facts to read.
  if (instance.tags?.length > 0) {
    const chips = el('ul', 'tags');
    chips.setAttribute('aria-label', 'Tags');
    chips.append(...instance.tags.map(tag => el('li', 'tag', tag)));
    const value = el('dd');
    value.append(chips);
    dd.push(el('dt', '', 'Tags'), value);
  }
  if (instance.parentProcessInstanceKey) {
    const parent = el('dd');
    parent.append(caseLink(instance.parentProcessInstanceKey));
    dd.push(el('dt', '', 'Called by'), parent);
  }
  $('case-facts').replaceChildren(...dd);
  renderActions(view, offered);
}

/** The model's actions (message or task completion) as buttons; one with a form opens it under the buttons first. */
function renderActions(view, offered) {
  const actions = offered.map(action => {
    const button = el('button', '', action.label);
    button.type = 'button';
    button.id = `action-${action.id}`;
    button.dataset.action = action.id;
    if (action.processInstanceKey && action.processInstanceKey !== view.instance.processInstanceKey) {
      button.title = `Offered by the called instance ${action.processInstanceKey}`;
    }
    button.addEventListener('click', () => (action.formSchema ? openActionForm(action) : doAction(action, {}, button)));
    return button;
  });
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
  if (openAction && !offered.some(action => action.id === openAction.id)) closeActionForm();
}

async function doAction(action, variables, button) {
  if (!action.formSchema && !confirm(`${action.label}?`)) return;
  // A word from the last action must not stand for this one.
  showMessage('', '');
  if (button) button.disabled = true;
  try {
    await request('POST', `/api/instances/${encodeURIComponent(caseKey())}/actions/${encodeURIComponent(action.id)}`, { json: { variables } });
    closeActionForm();
    // The case as it is now first, then the word: whatever is shown with "Done" is the state after the action.
    await load();
    showMessage('success', `Done: ${action.label}.`);
  } catch (error) {
    showMessage('error', problemText(error));
    if (button) button.disabled = false;
  }
}

async function openActionForm(action) {
  closeActionForm();
  openAction = action;
  $('action-panel').hidden = false;
  $('action-title').textContent = action.label;
  $('action-submit').textContent = action.label;
  $('action-submit').disabled = false;
  actionForm = new Form({ container: $('action-form'), additionalModules: [escapingTemplating] });
  await actionForm.importSchema(JSON.parse(action.formSchema), { ...currentVariables });
  $('action-form').querySelector('input, select, textarea')?.focus();
}

function closeActionForm() {
  actionForm?.destroy();
  actionForm = null;
  openAction = null;
  $('action-form').replaceChildren();
  $('action-panel').hidden = true;
}

async function submitActionForm() {
  if (!actionForm || !openAction) return;
  const { data, errors } = actionForm.submit();
  if (Object.keys(errors).length > 0) {
    showMessage('error', 'Check the highlighted fields.');
    return;
  }
  // Only what the person filled in goes along (the form also shows case variables it does not change).
  const keys = new Set(fieldKeys(JSON.parse(openAction.formSchema)));
  await doAction(openAction, Object.fromEntries(Object.entries(data).filter(([name]) => keys.has(name))), $('action-submit'));
}

function fieldKeys(container) {
  return (container.components ?? []).flatMap(component =>
    component.path ? [component.path.split('.')[0]] : component.key ? [component.key] : fieldKeys(component));
}

let currentVariables = {};

async function renderDiagram(view) {
  const definitionKey = view.instance.processDefinitionKey;
  if (!viewer) viewer = new NavigatedViewer({ container: $('diagram') });
  if (shownDefinition !== definitionKey) {
    const response = await request('GET', `/v2/process-definitions/${encodeURIComponent(definitionKey)}/xml`);
    await viewer.importXML(await response.text());
    shownDefinition = definitionKey;
    viewer.get('canvas').zoom('fit-viewport', 'auto');
  }
  await drawCase(viewer, view, history, $('heatmap-toggle')?.getAttribute('aria-pressed') === 'true', el);
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

/** A case that records its updates (the exception order's `updates`: n, type, note, by, at) shows them newest first, three then all. */
function renderUpdates() {
  $('updates-section').hidden = updates.length === 0;
  const shown = updatesAll ? updates : updates.slice(0, RECENT);
  $('updates').replaceChildren(...shown.map(update => {
    const li = el('li');
    const details = el('details');
    details.append(el('summary', '', [`#${update.n ?? '?'}`, update.type, update.by, time(update.at)].filter(Boolean).join(' · ')));
    details.append(el('p', 'updates-note', update.note ?? ''));
    li.append(details);
    return li;
  }));
  $('updates-all').hidden = updatesAll || updates.length <= RECENT;
  $('updates-all').textContent = `Show all (${updates.length})`;
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

/**
 * The case; just started from the start dialog (?started=1) it may not be visible yet — a case is seen through its
 * tasks, and the first one opens a moment after the start — so a 404 is asked again for a while.
 */
async function fetchCase(key) {
  const started = new URLSearchParams(location.search).has('started');
  for (let attempt = 0; ; attempt++) {
    try {
      return await json('GET', `/api/instances/${encodeURIComponent(key)}`);
    } catch (error) {
      if (!(started && error instanceof ApiError && error.status === 404 && attempt < 15)) throw error;
      showMessage('', 'The case was started; waiting for its first task…');
      await new Promise(resolve => setTimeout(resolve, 1000));
    }
  }
}

async function load() {
  const key = caseKey();
  let view;
  let offered;
  try {
    view = await fetchCase(key);
    // Operators read cases but act on none (the actions' policy is the task workers'): no buttons rather than no page.
    offered = await json('GET', `/api/instances/${encodeURIComponent(key)}/actions`).catch(error => {
      if (error instanceof ApiError && error.status === 403) return [];
      throw error;
    });
  } catch (error) {
    $('case').hidden = true;
    showMessage('error', error instanceof ApiError && error.status === 404
      ? new URLSearchParams(location.search).has('started')
        ? `Case ${key} was started, but it is not visible to you: you see a case through its tasks, and none of them is yours or your groups'.`
        : `Case ${key} was not found.`
      : problemText(error));
    return;
  }
  if ($('message').textContent.startsWith('The case was started')) showMessage('success', 'The case was started.');
  $('case').hidden = false;
  currentVariables = view.variables;
  updates = Array.isArray(view.variables.updates) ? [...view.variables.updates].reverse() : [];
  renderUpdates();
  // Photos and documents the case's variables refer to (the technician's visit photo), as whoever sees the case may.
  const documents = documentsIn(view.variables);
  $('documents-section').hidden = documents.length === 0;
  renderDocuments($('documents'), documents, el);
  renderHead(view, offered);
  await renderSlaClock($('sla-clock'), key, {
    me,
    active: view.instance.state === 'ACTIVE',
    el,
    onChange: async text => {
      await load();
      showMessage('success', text);
    },
    fail: error => showMessage('error', problemText(error)),
  });
  renderTasks(view);
  // Editing is the supervisors' and admins' (the policy of PUT /api/instances/{key}/variables/{name}); agents read.
  const mayEdit = (me.roles.includes('supervisor') || me.roles.includes('admin')) && view.instance.state === 'ACTIVE';
  renderVariables($('variables'), view.variables, {
    editable: mayEdit,
    el,
    onSave: async (name, value) => {
      await saveVariable(key, name, value);
      await load();
      showMessage('success', `Saved ${name}.`);
      $('variables').querySelector(`[data-variable="${CSS.escape(name)}"]`)?.focus();
    },
  });
  await loadComments($('comments'), key, el);
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
  renderNav(me, 'case');
  setUpStart(me, $('start-case'));
  $('history-all').addEventListener('click', () => { historyAll = true; renderHistory(); });
  $('updates-all').addEventListener('click', () => { updatesAll = true; renderUpdates(); });
  $('action-submit').addEventListener('click', submitActionForm);
  $('action-cancel').addEventListener('click', closeActionForm);
  $('comment-form').addEventListener('submit', async event => {
    event.preventDefault();
    const text = $('comment-text').value.trim();
    if (!text) return;
    $('comment-add').disabled = true;
    try {
      await addComment(caseKey(), text);
      $('comment-text').value = '';
      await loadComments($('comments'), caseKey(), el);
      showMessage('success', 'Comment added.');
      $('comment-text').focus();
    } catch (error) {
      showMessage('error', problemText(error));
    } finally {
      $('comment-add').disabled = false;
    }
  });
  $('heatmap-toggle').addEventListener('click', event => {
    event.currentTarget.setAttribute('aria-pressed', String(event.currentTarget.getAttribute('aria-pressed') !== 'true'));
    window.processesCase.ready = load();
  });
  await load();
}

window.processesCase = { ready: start().catch(error => showMessage('error', `The case could not be shown: ${problemText(error)}`)) };
