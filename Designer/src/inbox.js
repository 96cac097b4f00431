// The /inbox page: the agent's views (GET /api/tasks?view=…) on the left, the selected task with its form
// (form-js) on the right. Every action is a call to the same API other clients use; the API decides who may do
// what, the page only leaves out buttons that would be refused. The list follows the task event stream (SSE).
import { Form } from '@bpmn-io/form-js';
import { withDocuments } from './documents.js';
import { ApiError, request } from './api.js';
import { renderNav } from './nav.js';
import { escapingTemplating } from './form-templating.js';
import { setUpStart } from './start.js';

const ALL_VIEWS = [
  ['mine', 'Mine'], ['group', 'My groups'], ['unassigned', 'Unassigned'], ['due-soon', 'Due soon'], ['breached', 'Breached'],
  ['team', 'My team'], ['completed', 'Completed'],
];
let VIEWS = ALL_VIEWS.filter(([name]) => name !== 'team');
const PAGE_SIZE = 50;
const $ = id => document.getElementById(id);
const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

let me = null;
let view = 'group';
let lists = {};          // view → { items, more, at (ms when fetched: countdowns run from there) }
let selected = null;     // the selected task as GET /v2/user-tasks/{key} answered (its version goes in If-Match)
let form = null;
let selecting = 0;       // a newer selection wins over a slower older one

const isSupervisor = () => me.roles.includes('supervisor') || me.roles.includes('admin');

async function json(method, url, options) {
  const response = await request(method, url, options);
  return response.status === 204 ? null : response.json();
}

function showMessage(kind, text) {
  const message = $('task-message');
  message.className = `message ${kind}`;
  message.textContent = text;
}

/** The API's ProblemDetails, as readable as it gets: the detail, or each field's errors. */
function problemText(error) {
  if (!(error instanceof ApiError)) return error.message;
  const fields = Object.entries(error.problem.errors ?? {}).map(([field, texts]) => `${field}: ${[].concat(texts).join(' ')}`);
  return fields.length > 0 ? fields.join(' ') : error.message;
}

// --- the views and the list ---

/** The list's address: the view, the filters the user set (search, process, group, priority, due, sort) and the page. */
function listUrl(name, after) {
  const params = new URLSearchParams({ view: name, limit: String(PAGE_SIZE) });
  for (const [field, value] of new FormData($('filters'))) {
    if (String(value).trim() !== '') params.set(field, String(value).trim());
  }
  // "Completed" sorts by completion unless asked otherwise; open views cannot sort by it.
  if (params.get('sort') === 'completed' && name !== 'completed') params.delete('sort');
  if (after) params.set('after', after);
  return `/api/tasks?${params}`;
}

let loading = 0;

async function loadLists() {
  const mine = ++loading;
  const answers = await Promise.all(VIEWS.map(([name]) => json('GET', listUrl(name))));
  if (mine !== loading) return; // a newer filter's answer wins
  const at = Date.now();
  lists = Object.fromEntries(VIEWS.map(([name], i) => [name, { items: answers[i].items, cursor: answers[i].nextCursor, more: answers[i].nextCursor !== null, at }]));
  const processes = new Set(Object.values(lists).flatMap(list => list.items.map(item => item.task.processDefinitionId)));
  $('process-ids').replaceChildren(...[...processes].sort().map(id => Object.assign(el('option'), { value: id })));
  renderViews();
  renderList();
}

/** The next page of the current view (keyset: the server's cursor after the last row shown). */
async function loadMore() {
  const list = lists[view];
  if (!list?.cursor) return;
  const answer = await json('GET', listUrl(view, list.cursor));
  list.items = [...list.items, ...answer.items];
  list.cursor = answer.nextCursor;
  list.more = answer.nextCursor !== null;
  renderViews();
  renderList();
}

function renderViews() {
  $('views').replaceChildren(...VIEWS.map(([name, label]) => {
    const button = el('button', name === view ? 'selected' : '');
    button.type = 'button';
    button.dataset.view = name;
    const list = lists[name];
    button.append(el('span', 'label', label), el('span', 'count', list ? `${list.items.length}${list.more ? '+' : ''}` : ''));
    button.addEventListener('click', () => { view = name; renderViews(); renderList(); });
    const item = el('li');
    item.append(button);
    return item;
  }));
}

function renderList() {
  const list = lists[view] ?? { items: [] };
  $('list-title').textContent = VIEWS.find(([name]) => name === view)[1];
  $('tasks-empty').hidden = list.items.length > 0;
  $('more').hidden = !list.more;
  // Re-rendering replaces the rows: a focused row keeps the focus (by its key) instead of dropping it to the body.
  const focusedKey = $('tasks').contains(document.activeElement) ? document.activeElement.dataset.key : undefined;
  $('tasks').replaceChildren(...list.items.map(({ task, secondsLeft, title, slaPausedSince }) => {
    const button = el('button', task.userTaskKey === selected?.userTaskKey ? 'selected' : '');
    button.type = 'button';
    button.dataset.key = task.userTaskKey;
    const sla = el('span', 'sla');
    if (slaPausedSince) {
      // A paused SLA consumes no time: no countdown until the case resumes.
      sla.textContent = 'paused';
      sla.classList.add('paused');
      sla.title = `SLA paused since ${new Date(slaPausedSince).toLocaleString()}`;
    } else if (secondsLeft !== null) sla.dataset.deadline = String(list.at + secondsLeft * 1000);
    // The model's title tells tickets apart ("D-1042 · VIP · delivery"); the task's name then goes with the process.
    const name = task.name || task.elementId;
    button.append(
      el('span', 'name', title || name), sla,
      el('span', 'meta', `${title ? `${name} · ` : ''}${task.processDefinitionId} · priority ${task.priority}`),
      el('span', 'meta assignee', task.completionDate ? `completed ${new Date(task.completionDate).toLocaleString()}`
        : task.assignee ? `→ ${task.assignee}` : 'unassigned'));
    button.addEventListener('click', () => select(task.userTaskKey));
    const item = el('li');
    item.append(button);
    return item;
  }));
  if (focusedKey) $('tasks').querySelector(`[data-key="${CSS.escape(focusedKey)}"]`)?.focus();
  tick();
}

/** "1d 02:03:04" left, or "breached 00:05:00" ago. */
function countdown(ms) {
  const total = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(total / 86400);
  const clock = [Math.floor(total / 3600) % 24, Math.floor(total / 60) % 60, total % 60].map(n => String(n).padStart(2, '0')).join(':');
  return `${ms <= 0 ? 'breached ' : ''}${days > 0 ? `${days}d ` : ''}${clock}`;
}

function tick() {
  for (const sla of document.querySelectorAll('.sla[data-deadline]')) {
    const left = Number(sla.dataset.deadline) - Date.now();
    sla.textContent = countdown(left);
    sla.classList.toggle('breached', left <= 0);
  }
}

// --- the selected task ---

/**
 * Opens a task. Focus goes where the person acts next ('task': the task's heading, so the keyboard and a screen
 * reader continue in the task; 'form': its first field, or Complete, after a claim), never to the page body.
 */
async function select(key, focus = 'task') {
  const mine = ++selecting;
  showMessage('', '');
  try {
    const task = await json('GET', `/v2/user-tasks/${key}`);
    const [formAnswer, variables] = await Promise.all([
      json('GET', `/v2/user-tasks/${key}/form`),
      json('POST', `/v2/user-tasks/${key}/variables/search`, { json: { page: { limit: 1000 } } }),
    ]);
    if (mine !== selecting) return;
    selected = task;
    await showTask(task, formAnswer, variables.items);
  } catch (error) {
    if (mine !== selecting) return;
    clearSelection();
    $('no-selection').textContent = `The task could not be opened: ${problemText(error)}`;
  }
  renderList();
  if (mine === selecting && selected?.userTaskKey === key) focusTask(focus);
}

function focusTask(focus) {
  const field = focus === 'form' ? $('form').querySelector('input:not([disabled]), select:not([disabled]), textarea:not([disabled])') : null;
  const target = field ?? (focus === 'form' && !$('complete').hidden ? $('complete') : $('task-name'));
  target.focus();
}

function clearSelection() {
  selected = null;
  form?.destroy();
  form = null;
  $('task').hidden = true;
  $('no-selection').hidden = false;
  $('no-selection').textContent = 'Select a task.';
}

async function showTask(task, formAnswer, variables) {
  $('no-selection').hidden = true;
  $('task').hidden = false;
  // The list row carries what the task itself does not: the model's title and the case (a ticket's demand).
  const row = Object.values(lists).flatMap(list => list.items).find(item => item.task.userTaskKey === task.userTaskKey);
  const caseKey = row?.caseKey ?? task.processInstanceKey;
  $('task-name').textContent = row?.title || task.name || task.elementId;
  const facts = [
    ['Case', caseKey], ['Task', task.name || task.elementId], ['Process', task.processDefinitionId], ['Instance', task.processInstanceKey],
    ['Due', task.dueDate ? new Date(task.dueDate).toLocaleString() : '—'],
    ['Priority', String(task.priority)], ['Assignee', task.assignee ?? 'unassigned'], ['Groups', task.candidateGroups.join(', ') || '—'],
  ];
  $('task-facts').replaceChildren(...facts.flatMap(([term, value]) => [el('dt', '', term), el('dd', '', value)]));
  // The case opens the whole case (the demand with its tickets); the instance key the instance that runs this task.
  const [caseCell, , , instance] = $('task-facts').querySelectorAll('dd');
  caseCell.replaceChildren(Object.assign(el('a', '', caseKey), { href: `/cases/${encodeURIComponent(caseKey)}`, id: 'case-link' }));
  instance.replaceChildren(Object.assign(el('a', '', task.processInstanceKey), { href: `/cases/${encodeURIComponent(task.processInstanceKey)}`, id: 'instance-link' }));
  const open = task.state === 'CREATED';
  const isMine = open && task.assignee === me.userName;
  $('claim').hidden = !open || task.assignee != null; // the API leaves an unset assignee out
  $('complete').hidden = !isMine;
  $('unassign').hidden = !isMine;
  $('reassign').hidden = !open || !(isMine || isSupervisor());
  // A supervisor takes a member's task over with a reason (kept in the case history and the audit log).
  $('take-over').hidden = !open || !isSupervisor() || task.assignee == null || isMine;
  if (!$('reassign').hidden) await loadEligible(task.userTaskKey);

  form?.destroy();
  form = null;
  $('form').replaceChildren();
  if (formAnswer) {
    // Variable values come as JSON text; the form sees them as values (a customer object, a number…).
    const data = Object.fromEntries(variables.map(v => [v.name, parseValue(v.value)]));
    form = new Form({ container: $('form'), additionalModules: [escapingTemplating] });
    await form.importSchema(JSON.parse(formAnswer.schema), data);
    // Only the assignee's input can be submitted, so only the assignee gets editable fields.
    form.setProperty('readOnly', !isMine);
  } else {
    $('form').append(el('p', 'hint', 'This task has no form: Complete sends no variables.'));
  }
  await loadComments(task.userTaskKey);
}

function parseValue(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function act(work, done) {
  showMessage('', '');
  try {
    await work();
    await loadLists();
    if (done) showMessage('success', done);
  } catch (error) {
    showMessage('error', problemText(error));
  }
}

async function claim() {
  const key = selected.userTaskKey;
  await act(async () => {
    await request('POST', `/v2/user-tasks/${key}/assignment`, { json: { assignee: me.userName, allowOverride: false } });
    await select(key, 'form');
  }, 'Claimed: the task is yours.');
}

async function complete() {
  const variables = form ? form.submit() : { data: {}, errors: {} };
  if (Object.keys(variables.errors).length > 0) {
    showMessage('error', 'Check the highlighted fields.');
    return;
  }
  const key = selected.userTaskKey;
  const version = selected.version;
  const instanceKey = selected.processInstanceKey;
  await act(async () => {
    const data = await withDocuments(variables.data, variables.files, instanceKey);
    // If-Match: the task as this page read it; if it changed meanwhile the API answers 409 and nothing is lost.
    await request('POST', `/v2/user-tasks/${key}/completion`, { json: { variables: data }, headers: { 'If-Match': `"${version}"` } });
    clearSelection();
    $('no-selection').textContent = `Completed ${key}.`;
  });
}

async function unassign() {
  const key = selected.userTaskKey;
  await act(async () => {
    await request('DELETE', `/v2/user-tasks/${key}/assignee`);
    await select(key);
  }, 'Back to the group.');
}

async function reassign(event) {
  event.preventDefault();
  const data = new FormData(event.target);
  const key = selected.userTaskKey;
  await act(async () => {
    await request('POST', `/api/tasks/${key}/reassign`, { json: { assignee: data.get('assignee'), reason: data.get('reason') } });
    event.target.reset();
    await select(key);
  }, `Reassigned to ${data.get('assignee')}.`);
}

/** The picker offers only who may hold the task: members of its candidate groups, its candidate users. */
async function loadEligible(key) {
  const people = await json('GET', `/api/tasks/${key}/eligible`);
  const options = people.filter(person => person.userName !== selected?.assignee)
    .map(person => Object.assign(el('option', '', person.displayName && person.displayName !== person.userName
      ? `${person.displayName} (${person.userName})` : person.userName), { value: person.userName }));
  $('reassign-assignee').replaceChildren(Object.assign(el('option', '', options.length ? 'Choose…' : 'Nobody else may hold this task'), { value: '' }), ...options);
}

async function takeOver(event) {
  event.preventDefault();
  const reason = new FormData(event.target).get('reason');
  const key = selected.userTaskKey;
  await act(async () => {
    await request('POST', `/api/tasks/${key}/take-over`, { json: { reason } });
    event.target.reset();
    await select(key);
  }, 'Taken over: the task is yours.');
}

async function loadComments(key) {
  const comments = await json('GET', `/api/tasks/${key}/comments`);
  $('comments').replaceChildren(...comments.map(comment => {
    const item = el('li');
    item.append(el('div', 'meta', `${comment.author}, ${new Date(comment.createdAt).toLocaleString()}`), el('div', '', comment.text));
    return item;
  }));
}

async function addComment(event) {
  event.preventDefault();
  const text = new FormData(event.target).get('text');
  const key = selected.userTaskKey;
  try {
    await request('POST', `/api/tasks/${key}/comments`, { json: { text } });
    event.target.reset();
    await loadComments(key);
  } catch (error) {
    showMessage('error', problemText(error));
  }
}

// --- live updates ---

let refreshTimer = null;

/** Several events usually come together (completed + created next): one refresh for the burst. */
function refreshSoon(event) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    await loadLists().catch(() => {});
    const key = JSON.parse(event.data).userTaskKey;
    if (selected && key === selected.userTaskKey) {
      // Someone else moved the selected task: show its new state (a completed one can no longer be opened).
      const latest = await json('GET', `/v2/user-tasks/${key}`).catch(() => null);
      if (!selected || selected.userTaskKey !== key) {
        return; // the agent completed or left the task while this read was on its way
      }
      if (!latest || latest.state !== 'CREATED') {
        clearSelection();
        $('no-selection').textContent = `Task ${key} was completed.`;
      } else if (latest.version !== selected.version) {
        await select(key);
      }
    }
  }, 300);
}

function listen() {
  const events = new EventSource('/api/tasks/events');
  for (const name of ['task_created', 'task_assigned', 'task_completed', 'task_sla_warning']) {
    events.addEventListener(name, refreshSoon);
  }
  events.addEventListener('open', () => { $('live').textContent = 'live'; });
  // EventSource reconnects by itself (resuming after the last event id); say so meanwhile.
  events.addEventListener('error', () => { $('live').textContent = 'reconnecting…'; });
}

async function start() {
  me = await json('GET', '/api/auth/me');
  renderNav(me, 'inbox');
  if (isSupervisor()) VIEWS = ALL_VIEWS;
  $('filter-group').append(...me.groups.map(group => Object.assign(el('option', '', group), { value: group })));
  let typing = null;
  $('filters').addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(() => loadLists().catch(error => showMessage('error', problemText(error))), 250); });
  $('filters').addEventListener('submit', event => { event.preventDefault(); loadLists().catch(error => showMessage('error', problemText(error))); });
  $('more').addEventListener('click', () => loadMore().catch(error => showMessage('error', problemText(error))));
  $('take-over').addEventListener('submit', takeOver);
  setUpStart(me, $('start-case'));
  $('claim').addEventListener('click', claim);
  $('complete').addEventListener('click', complete);
  $('unassign').addEventListener('click', unassign);
  $('reassign').addEventListener('submit', reassign);
  $('comment').addEventListener('submit', addComment);
  await loadLists();
  setInterval(tick, 1000);
  // Views by time (due soon, breached) change without an event: a slow poll keeps their counts right.
  setInterval(() => loadLists().catch(() => {}), 30000);
  listen();
}

window.processesInbox = { ready: start().catch(error => showMessage('error', `The inbox could not start: ${problemText(error)}`)) };
