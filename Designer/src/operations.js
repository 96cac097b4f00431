// The /operations page: open incidents, failed jobs, timers, job counts per type and the engine's servers, refreshed
// every 5 seconds and after every action. Every button is a call to the same API other clients use
// (/api/operations, /v2/incidents); the page shows the API's answer, refusals included, and decides nothing itself.
import { ApiError, request } from './api.js';
import { renderNav } from './nav.js';

const REFRESH_MS = 5000;
const $ = id => document.getElementById(id);
const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
};

let refreshing = null;   // the refresh under way: actions and the timer share it instead of overlapping
// Retry counts typed per job key: the refresh redraws the rows every 5 s and must not throw away what an operator typed.
const retryCounts = new Map();

async function json(method, url, options) {
  const response = await request(method, url, options);
  return response.status === 204 ? null : response.json();
}

function showMessage(kind, text) {
  const message = $('message');
  message.className = `message ${kind}`;
  message.textContent = text;
}

/** The API's ProblemDetails, as readable as it gets: the detail, or each field's errors. */
function problemText(error) {
  if (!(error instanceof ApiError)) return error.message;
  const fields = Object.entries(error.problem.errors ?? {}).map(([field, texts]) => `${field}: ${[].concat(texts).join(' ')}`);
  return fields.length > 0 ? fields.join(' ') : error.message;
}

const time = iso => (iso ? new Date(iso).toLocaleString() : '');

// The case view has the task roles' policy; an operator without them would only meet a 403 there, so gets no link.
let mayOpenCases = false;
// Each listed instance's tags (Camunda's, given at creation), by instance key: read with every refresh.
let tagsByInstance = new Map();
function instanceCell(prefix, key) {
  if (!key) return prefix ?? '';
  const span = el('span');
  const link = mayOpenCases ? Object.assign(el('a', '', key), { href: `/cases/${encodeURIComponent(key)}` }) : key;
  span.append(prefix ? `${prefix} · ` : '', link);
  const tags = tagsByInstance.get(String(key)) ?? [];
  if (tags.length > 0) {
    const chips = el('ul', 'tags');
    chips.setAttribute('aria-label', `Tags of instance ${key}`);
    chips.append(...tags.map(tag => el('li', 'tag', tag)));
    span.append(chips);
  }
  return span;
}

/** The tags of the instances the incidents and failed jobs name, in one search (the instance search's own visibility). */
async function loadTags(incidents, jobs) {
  const keys = [...new Set([...incidents.items.map(i => String(i.processInstanceKey)), ...jobs.items.map(j => String(j.processInstanceKey))])];
  if (keys.length === 0) return new Map();
  const found = await json('POST', '/v2/process-instances/search', {
    json: { filter: { processInstanceKey: { $in: keys }, tags: { $exists: true } }, page: { limit: keys.length } },
  });
  return new Map(found.items.map(instance => [instance.processInstanceKey, instance.tags ?? []]));
}

function row(cells, key) {
  const tr = el('tr');
  if (key !== undefined) tr.dataset.key = String(key);
  for (const cell of cells) {
    const td = el('td');
    if (cell instanceof Node) td.append(cell); else td.textContent = cell ?? '';
    tr.append(td);
  }
  return tr;
}

function fill(body, empty, rows) {
  $(body).replaceChildren(...rows);
  $(empty).hidden = rows.length > 0;
}

/** A button that runs an action, says what the API answered and refreshes; disabled while it runs. */
function actionButton(label, className, action) {
  const button = el('button', className, label);
  button.type = 'button';
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      showMessage('success', await action());
    } catch (error) {
      showMessage('error', problemText(error));
    } finally {
      button.disabled = false;
      await refresh();
    }
  });
  return button;
}

// --- the sections ---

function renderIncidents(incidents) {
  $('incidents-count').textContent = `(${incidents.page.totalItems})`;
  fill('incident-rows', 'incidents-empty', incidents.items.map(incident => row([
    instanceCell(incident.processDefinitionId, incident.processInstanceKey),
    incident.elementId,
    incident.errorType,
    incident.errorMessage,
    time(incident.creationTime),
    actionButton(incident.jobKey ? 'Retry' : 'Resolve', 'primary resolve', async () => {
      await json('POST', `/v2/incidents/${incident.incidentKey}/resolution`);
      // Resolving a job's incident gives the job another attempt; if the cause remains, a new incident follows.
      return incident.jobKey
        ? `Incident ${incident.incidentKey} resolved: job ${incident.jobKey} runs again.`
        : `Incident ${incident.incidentKey} resolved.`;
    }),
  ], incident.incidentKey)));
}

function renderJobs(jobs) {
  $('jobs-count').textContent = `(${jobs.items.length}${jobs.next ? '+' : ''})`;
  const focused = document.activeElement?.classList.contains('retries') ? document.activeElement.dataset.key : null;
  const listed = new Set(jobs.items.map(job => String(job.key)));
  for (const key of retryCounts.keys()) if (!listed.has(key)) retryCounts.delete(key);
  fill('job-rows', 'jobs-empty', jobs.items.map(job => {
    const key = String(job.key);
    const retries = el('input', 'retries');
    Object.assign(retries, { type: 'number', min: '1', value: retryCounts.get(key) ?? '1' });
    retries.dataset.key = key;
    retries.setAttribute('aria-label', `Retries for job ${job.key}`);
    retries.addEventListener('input', () => retryCounts.set(key, retries.value));
    const retry = actionButton('Retry', 'primary retry', async () => {
      const count = Number(retries.value);
      await json('POST', `/api/operations/jobs/${job.key}/retry`, { json: { retries: count } });
      retryCounts.delete(key);
      return `Job ${job.key} retried with ${count} ${count === 1 ? 'retry' : 'retries'}.`;
    });
    const actions = el('span', 'actions');
    actions.append(retries, retry);
    return row([job.type, instanceCell(job.bpmnProcessId, job.processInstanceKey), job.elementId, job.errorMessage, job.failures, job.retries, actions], job.key);
  }));
  if (focused) document.querySelector(`#job-rows input.retries[data-key='${focused}']`)?.focus();
}

function renderTimers(timers) {
  fill('timer-rows', 'timers-empty', timers.items.map(timer => row([
    time(timer.dueAt),
    timer.elementId,
    timer.definition,
    timer.processInstanceKey ? instanceCell(null, timer.processInstanceKey) : 'start event',
    timer.claimedBy,
    actionButton('Fire now', 'trigger', async () => {
      await json('POST', `/api/operations/timers/${timer.key}/trigger`);
      return `Timer ${timer.key} fires now.`;
    }),
  ], timer.key)));
}

function renderJobTypes(types) {
  fill('job-type-rows', 'job-types-empty', types.map(type =>
    row([type.type, type.activatable, type.running, type.retrying, type.failed], type.type)));
}

function renderServers(servers) {
  fill('server-rows', 'servers-empty', servers.map(server => row([
    server.nodeId, server.hostName, server.version, time(server.startedAt), time(server.heartbeatAt), `${server.runningJobs} / ${server.maxJobs}`,
  ], server.nodeId)));
}

async function load() {
  // Keys are int64; the operations API sends them as JSON numbers, exact in JavaScript below 2^53 (the engine's key
  // sequences start near 2^51), while /v2 sends them as strings.
  const [incidents, jobs, timers, types, servers] = await Promise.all([
    json('POST', '/v2/incidents/search', { json: { filter: { state: 'ACTIVE' }, page: { limit: 100 } } }),
    json('GET', '/api/operations/jobs?state=failed&limit=100'),
    json('GET', '/api/operations/timers?limit=100'),
    json('GET', '/api/operations/job-types'),
    json('GET', '/api/operations/servers'),
  ]);
  // Tags are labels, not the page's work: a refusal (a role without the instance search) leaves them out.
  tagsByInstance = await loadTags(incidents, jobs).catch(() => new Map());
  renderIncidents(incidents);
  renderJobs(jobs);
  renderTimers(timers);
  renderJobTypes(types);
  renderServers(servers);
  $('refreshed').textContent = `refreshed ${new Date().toLocaleTimeString()}`;
}

/** Loads everything once; a refresh asked for while one runs waits for it and then runs again (an action's effect must show). */
async function refresh() {
  const previous = refreshing;
  const next = (async () => {
    await previous?.catch(() => {});
    try {
      await load();
    } catch (error) {
      showMessage('error', `Refresh failed: ${problemText(error)}`);
    }
  })();
  refreshing = next;
  await next;
  if (refreshing === next) refreshing = null;
}

async function start() {
  const me = await json('GET', '/api/auth/me');
  renderNav(me, 'operations');
  // Instance keys link to the case page only for those who may open it (the task roles), so none leads to a 403.
  mayOpenCases = ['agent', 'supervisor', 'finance', 'admin'].some(role => me.roles.includes(role));
  await load();
  setInterval(() => { if (!refreshing) refresh(); }, REFRESH_MS);
}

window.processesOperations = {
  ready: start().catch(error => showMessage('error', `The operations page could not start: ${problemText(error)}`)),
  refresh,
};
