// The /designer page: deployed processes, decisions and forms on the left; the BPMN canvas, the decision editor
// (dmn-js) or the form builder (form-js) in the middle with its properties panel on the right; a toolbar to create,
// open, pick a version, deploy, run and download. Deploying posts the file to POST /v2/deployments, which decides the
// version (a changed model is a new one) and names every problem with element and line.
import { ApiError, request } from './api.js';
import { renderNav } from './nav.js';
import { emptyDiagram, emptyDecision, emptyForm } from './empty-diagram.js';
import { createModeler, importWithReport } from './modeler.js';
import { createProcessEditor } from './studio/process-editor.js';
import { fetchText, loadModels, loadProcesses, renderList, renderVersions } from './studio/library.js';
import { formForTask } from './studio/form-template.js';
import { linkForm } from './studio/pickers.js';
import { openRunDialog } from './studio/run.js';
import { loadEngineSupport } from './studio/engine-support.js';
import { deployTenant, loadTenancy, renderTenantBadge } from './studio/tenant.js';
import { drawHeatmap, loadHeatmap } from './heatmap.js';

const $ = id => document.getElementById(id);

/** What the dropdowns of the properties panel offer; refreshed after each deployment. */
const catalog = { calendars: [], forms: [], createFormFor: element => createFormFor(element) };
const modeler = createModeler({ canvas: $('canvas'), properties: $('properties'), catalog });

const processEditor = createProcessEditor(modeler);

const editors = { process: processEditor, decision: null, form: null };
const panes = {
  process: [$('canvas'), $('properties')],
  decision: [$('decision-canvas'), $('decision-properties')],
  form: [$('form-canvas'), $('form-properties')],
};

/** The open document: {kind, id, name, version, key, resourceName, isLatest, text (as deployed)} or a new/local one. */
let current = { kind: 'process' };
let dirty = false;
/** Counts edits, so a deploy only marks the document clean when nothing was edited while it was under way. */
let edits = 0;
/** A process left open while its task's form is built ("Create form for this task"): [document, dirty]. */
let parked = null;
let deployed = { process: [], decision: [], form: [] };
// The tenants of this user (GET /api/tenants/mine): where a new model deploys, and whether the tenant is worth showing.
let tenancy = { tenants: [], selected: null, all: false };

function changed() {
  edits += 1;
  dirty = true;
  renderTitle();
  scheduleCheck();
}

// A diagram imported by any road (opened, a version picked, the console) is checked as well as one edited.
modeler.on('import.done', () => scheduleCheck());

modeler.on('commandStack.changed', () => {
  if (current.kind === 'process') {
    changed();
  }
});

async function editorFor(kind) {
  if (!editors[kind]) {
    const [canvas, properties] = panes[kind];
    editors[kind] = kind === 'decision'
      ? (await import('./studio/decision-editor.js')).createDecisionEditor({ canvas, properties, onChange: changed })
      : (await import('./studio/form-editor.js')).createFormEditor({ canvas, properties, onChange: changed });
  }
  return editors[kind];
}

function show(kind) {
  for (const [paneKind, elements] of Object.entries(panes)) {
    elements.forEach(element => { element.hidden = paneKind !== kind; });
  }
  document.body.dataset.kind = kind;
  $('run').hidden = kind !== 'process';
  if (kind !== 'process') {
    simulate(false);
  }
}

// Token simulation (bpmn-js-token-simulation): the toggle at the canvas's top left, or the key T, switches it; tokens
// run in the browser only. Leaving the process (a decision or form opened) switches it off.
let simulating = false;

function simulate(on = !simulating) {
  if (on !== simulating) {
    modeler.get('toggleMode').toggleMode(on);
  }
}

modeler.on('tokenSimulation.toggleMode', ({ active }) => {
  simulating = active;
  document.body.classList.toggle('simulating', active);
  if (active) {
    setStatus('info', 'Token simulation: click the play button on a start event to send a token; the diagram is read-only until you stop.');
  }
});

const KIND_NAMES = { process: 'process', decision: 'decision', form: 'form' };

function renderTitle() {
  const name = current.id && current.version
    ? `${current.name || current.id} — version ${current.version}`
    : current.resourceName ?? `New ${KIND_NAMES[current.kind]}`;
  const older = current.version && current.isLatest === false ? ' (older version, read-only)' : '';
  $('diagram-title').textContent = name + older + (dirty ? ' (changed)' : '');
  const readOnly = Boolean(older);
  $('deploy').disabled = readOnly;
  $('run').disabled = readOnly;
  renderTenantBadge($('tenant-badge'), current, tenancy);
  $('back').hidden = !parked;
  if (parked) {
    $('back').textContent = `Back to ${parked[0].name || parked[0].id || 'the process'}`;
  }
}

function setStatus(kind, text, problems = [], extra = null) {
  const status = $('status');
  status.className = kind;
  $('status-text').replaceChildren(text, ...(extra ? [' ', extra] : []));
  $('problems').replaceChildren(...problemItems(problems));
}

function problemItems(problems) {
  return problems.filter(Boolean).map(problem => {
    const item = document.createElement('li');
    item.dataset.elementId = problem.elementId ?? '';
    const where = [problem.elementType, problem.ruleIndex ? `rule ${problem.ruleIndex}` : null, problem.columnId ? `column ${problem.columnId}` : null,
      problem.line ? `line ${problem.line}${problem.column ? ':' + problem.column : ''}` : null]
      .filter(Boolean).join(', ');
    const id = document.createElement('code');
    id.textContent = problem.elementId ?? '(file)';
    item.append(id, where ? ` (${where}): ` : ': ', problem.message);
    if (problem.severity === 'warning') {
      item.classList.add('warning');
    }
    item.addEventListener('click', () => editors[current.kind]?.reveal(problem.elementId));
    return item;
  });
}

// The server's own check while drawing: the file as it is now goes through the deployment's reader and validator
// (nothing is stored), a moment after the last edit; its problems are marked on the elements and listed.
const CHECK_DELAY_MS = 700;
let checkTimer = null;
let checkRound = 0;

function scheduleCheck() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(checkNow, CHECK_DELAY_MS);
}

async function checkNow() {
  const round = ++checkRound;
  const kind = current.kind;
  const editor = editors[kind];
  if (!editor || kind === 'form') {
    $('checks').textContent = '';
    $('check-problems').replaceChildren();
    return;
  }
  try {
    const text = await editor.save();
    const resourceName = current.resourceName ?? `${editor.identity().id ?? 'diagram'}${extensionOf(kind)}`;
    const answer = await (await request('POST', '/api/designer/validation', { json: { resourceName, content: text } })).json();
    if (round !== checkRound || kind !== current.kind) {
      return; // an edit or another document came since: its own check follows
    }
    const errors = answer.problems.filter(problem => problem.severity === 'error').length;
    $('checks').className = `checks ${errors ? 'error' : answer.problems.length ? 'warning' : 'ok'}`;
    $('checks').textContent = answer.problems.length === 0
      ? 'Server check: no problems.'
      : `Server check: ${errors} error(s), ${answer.problems.length - errors} warning(s) — a deployment ${errors ? 'would be rejected' : 'would pass'}.`;
    $('check-problems').replaceChildren(...problemItems(answer.problems));
    // In the decision editor only what the open view shows is marked: switching views would pull the table away while typing.
    if (kind === 'process' || kind === 'decision') {
      await editor.showProblems(answer.problems, text, { reveal: false });
    }
  } catch (error) {
    if (round === checkRound) {
      $('checks').className = 'checks warning';
      $('checks').textContent = `Server check unavailable: ${error.message}`;
    }
  }
}

function confirmDiscard() {
  return !dirty || window.confirm('The open file has changes that are not deployed. Discard them?');
}

/** Opens `text` in the editor of `document.kind`; false (and the error in the status) when it cannot be read. */
async function showDocument(document, text, what) {
  show(document.kind);
  let warnings;
  try {
    const editor = await editorFor(document.kind);
    editor.clearProblems();
    warnings = await editor.open(text);
  } catch (error) {
    const warnings = (error.warnings ?? []).map(warning => ({ message: warning?.message ?? String(warning), elementId: warning?.elementId ?? warning?.element?.id ?? null }));
    setStatus('error', `${what} could not be opened: ${error.message}`, warnings);
    return false;
  }
  current = { ...document, text };
  dirty = false;
  renderTitle();
  renderLists();
  scheduleCheck();
  if (warnings.length > 0) {
    setStatus('warning', `${what} opened with ${warnings.length} warning(s).`, warnings);
  } else {
    setStatus('info', `${what} opened.`);
  }
  return true;
}

function renderLists() {
  const onOpen = entry => openDeployed(entry);
  const counts = ['process', 'decision', 'form'].map(kind =>
    renderList($(kind === 'process' ? 'definitions' : `${kind}s`), deployed[kind], { onOpen, selected: current }));
  $('definitions-empty').hidden = counts.some(count => count > 0);
  renderVersions($('version'), deployed[current.kind] ?? [], current);
}

async function loadDefinitions() {
  const [processes, models, calendars] = await Promise.all([
    loadProcesses(),
    loadModels(),
    request('GET', '/api/calendars').then(response => response.json()).catch(() => []),
  ]);
  deployed = { process: processes, decision: models.filter(m => m.kind === 'decision'), form: models.filter(m => m.kind === 'form') };
  catalog.calendars = calendars.map(calendar => calendar.name).filter(Boolean).sort();
  catalog.forms = [...new Set(deployed.form.map(form => form.id))].sort();
  renderLists();
  return processes.filter(item => item.isLatest);
}

async function openDeployed(entry) {
  if (!confirmDiscard()) {
    return false;
  }
  parked = null;
  try {
    const text = await fetchText(entry);
    return await showDocument(entry, text, `${entry.id} version ${entry.version}`);
  } catch (error) {
    setStatus('error', error.message);
    return false;
  }
}

async function openNew(kind) {
  if (!confirmDiscard()) {
    return;
  }
  parked = null;
  const text = kind === 'process' ? emptyDiagram() : kind === 'decision' ? emptyDecision() : JSON.stringify(emptyForm());
  await showDocument({ kind }, text, `A new ${KIND_NAMES[kind] === 'process' ? 'diagram' : KIND_NAMES[kind]}`);
}

function kindOfFile(name, text) {
  if (/\.dmn$/i.test(name) || /<(\w+:)?definitions[^>]*DMN/i.test(text.slice(0, 4000))) {
    return 'decision';
  }
  if (/\.(form|json)$/i.test(name) || text.trimStart().startsWith('{')) {
    return 'form';
  }
  return 'process';
}

async function openFile(file) {
  if (!file || !confirmDiscard()) {
    return;
  }
  parked = null;
  const text = await file.text();
  await showDocument({ kind: kindOfFile(file.name, text), resourceName: file.name }, text, file.name);
}

function extensionOf(kind) {
  return kind === 'process' ? '.bpmn' : kind === 'decision' ? '.dmn' : '.form';
}

/** Deploys the open file; resolves with the deployed item ({processDefinition} etc.) or null when refused. */
async function deploy() {
  const editor = editors[current.kind];
  const { id } = editor.identity();
  if (!id) {
    setStatus('error', current.kind === 'process' ? 'The diagram has no process to deploy.' : `The ${current.kind} has no id to deploy.`);
    return null;
  }
  // Unchanged since it was opened, the deployed text goes back as it was: the editors write it formatted their own
  // way, and the engine, which compares bytes, would otherwise make a new version of the same model.
  const text = !dirty && current.text && current.version ? current.text : await editor.save();
  // A model keeps its resource name, so its versions stay one file in the deployment history.
  const extension = extensionOf(current.kind);
  const resourceName = current.resourceName?.endsWith(extension) ? current.resourceName : `${id}${extension}`;
  const form = new FormData();
  form.append('resources', new Blob([text], { type: current.kind === 'form' ? 'application/json' : 'application/xml' }), resourceName);
  form.append('tenantId', deployTenant(current, tenancy));
  const editsDeployed = edits;
  $('deploy').disabled = true;
  editor.clearProblems();
  setStatus('info', `Deploying ${resourceName}…`);
  try {
    const result = await (await request('POST', '/v2/deployments', { form })).json();
    dirty = edits !== editsDeployed;
    await loadDefinitions();
    const items = result.deployments.map(describeDeployed).filter(Boolean);
    const mine = items.find(item => item.kind === current.kind && (current.kind !== 'process' || item.id === id)) ?? items[0];
    const tenant = deployTenant(current, tenancy);
    const latest = mine && deployed[mine.kind].find(entry => entry.id === mine.id && entry.isLatest && (!entry.tenantId || entry.tenantId === tenant));
    const before = current;
    if (latest) {
      current = { ...latest, text };
    }
    renderTitle();
    renderLists();
    setStatus('success', items.map(item => item.id === before.id && item.version === before.version
      ? `${item.id} is unchanged: still version ${item.version}.`
      : `Deployed ${item.id} version ${item.version}.`).join(' '));
    return mine ?? null;
  } catch (error) {
    if (error instanceof ApiError && Array.isArray(error.problem.problems)) {
      setStatus('error', `The deployment was rejected with ${error.problem.problems.length} problem(s):`, error.problem.problems);
      await editor.showProblems(error.problem.problems, text);
    } else {
      setStatus('error', `The deployment failed: ${error.message}`);
    }
    return null;
  } finally {
    renderTitle();
  }
}

function describeDeployed(item) {
  if (item.processDefinition) {
    return { kind: 'process', id: item.processDefinition.processDefinitionId, version: item.processDefinition.processDefinitionVersion,
      key: item.processDefinition.processDefinitionKey };
  }
  if (item.decisionRequirements) {
    return { kind: 'decision', id: item.decisionRequirements.decisionRequirementsId, version: item.decisionRequirements.version };
  }
  if (item.form) {
    return { kind: 'form', id: item.form.formId, version: item.form.version };
  }
  return null; // the decisions inside a decision file: their file is reported
}

async function download() {
  const editor = editors[current.kind];
  const text = await editor.save();
  const name = current.resourceName ?? `${editor.identity().id ?? 'diagram'}${extensionOf(current.kind)}`;
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], { type: 'application/octet-stream' }));
  link.download = name;
  link.click();
  URL.revokeObjectURL(link.href);
}

async function pickVersion(version) {
  const entry = (deployed[current.kind] ?? []).find(item => item.id === current.id && item.version === Number(version));
  if (entry && !(await openDeployed(entry))) {
    renderVersions($('version'), deployed[current.kind], current);
  }
}

/** "Create form for this task": a form with a field per input mapping, linked to the task; the process stays open. */
async function createFormFor(element) {
  const bo = element.businessObject;
  const io = (bo.extensionElements?.values ?? []).find(value => value.$type === 'zeebe:IoMapping');
  const inputs = (io?.inputParameters ?? []).map(parameter => parameter.target).filter(Boolean);
  const schema = formForTask(bo.id, bo.name, inputs);
  linkForm(element, schema.id, { bpmnFactory: modeler.get('bpmnFactory'), commandStack: modeler.get('commandStack') });
  parked = [current, dirty];
  dirty = false;
  show('form');
  const editor = await editorFor('form');
  await editor.open(schema);
  current = { kind: 'form', resourceName: `${schema.id}.form` };
  dirty = true;
  renderTitle();
  renderLists();
  setStatus('info', `A new form ${schema.id} for ${bo.id}, linked to it: deploy the form, then go back and deploy the process.`);
}

function backToProcess() {
  if (!parked || !confirmDiscard()) {
    return;
  }
  [current, dirty] = parked;
  parked = null;
  show('process');
  renderTitle();
  renderLists();
  setStatus('info', `Back to ${current.id ?? 'the diagram'}.`);
}

async function run() {
  if (current.kind !== 'process') {
    return;
  }
  // What runs is what is drawn: deploy first (unchanged content keeps its version), then ask for what that version's
  // start asks for — its start form or its variables.
  const item = await deploy();
  if (!item?.key) {
    return;
  }
  const variables = await openRunDialog($('run-dialog'), item.key);
  if (variables === null) {
    setStatus('info', `Deployed ${item.id} version ${item.version}; not started.`);
    return;
  }
  try {
    const response = await request('POST', '/v2/process-instances', { json: { processDefinitionKey: item.key, variables } });
    const started = await response.json();
    setStatus('success', `Started ${item.id} version ${started.processDefinitionVersion ?? item.version}; opening its case…`);
    window.processesDesignerStarted = started.processInstanceKey;
    // Follow the new instance on its case page (?started: it may take a moment to become visible there).
    location.assign(`/cases/${encodeURIComponent(started.processInstanceKey)}?started=1`);
  } catch (error) {
    setStatus('error', error.status === 403
      ? 'Deployed, but starting instances needs the agent role.'
      : `Deployed, but the instance could not start: ${error.message}`);
  }
}

/**
 * `?process=ID` (or `decision=`, `form=`) with optional `&version=N` (and `&tenantId=T`) opens that model, `?key=K` the process
 * definition of that key (the admin's versions page links either way); older versions open read-only.
 */
async function openFromQuery() {
  const query = new URLSearchParams(location.search);
  const byKey = query.get('key') ?? query.get('processDefinitionKey');
  if (byKey) {
    const entry = deployed.process.find(item => item.key === byKey);
    if (!entry) {
      setStatus('error', `No deployed process definition with key ${byKey}.`);
      return true;
    }
    await openDeployed(entry);
    return true;
  }
  const kind = ['process', 'decision', 'form'].find(name => query.has(name));
  if (!kind) {
    return false;
  }
  const id = query.get(kind);
  const version = query.has('version') ? Number(query.get('version')) : null;
  // ?tenantId= picks the tenant's model where the same id is deployed in several (the versions page links so).
  const tenant = query.get('tenantId');
  const entry = deployed[kind].find(item => item.id === id && (version ? item.version === version : item.isLatest) && (!tenant || item.tenantId === tenant));
  if (!entry) {
    setStatus('error', `No deployed ${kind} ${id}${version ? ` version ${version}` : ''}.`);
    return true;
  }
  await openDeployed(entry);
  return true;
}

async function start() {
  const me = await (await request('GET', '/api/auth/me')).json();
  renderNav(me, 'designer');
  tenancy = await loadTenancy();
  // The toolbar's menus (New…, File…) close once an item is chosen, or on a click anywhere else.
  for (const menu of document.querySelectorAll('.toolbar details.menu')) {
    menu.querySelector('.menu-items').addEventListener('click', () => { menu.open = false; });
  }
  document.addEventListener('click', event => {
    for (const menu of document.querySelectorAll('.toolbar details.menu[open]')) {
      if (!menu.contains(event.target)) menu.open = false;
    }
  });
  $('new').addEventListener('click', () => openNew('process'));
  $('new-decision').addEventListener('click', () => openNew('decision'));
  $('new-form').addEventListener('click', () => openNew('form'));
  $('deploy').addEventListener('click', deploy);
  $('run').addEventListener('click', run);
  $('back').addEventListener('click', backToProcess);
  $('download').addEventListener('click', download);
  $('heatmap').addEventListener('click', showHeatmap);
  $('version').addEventListener('change', event => pickVersion(event.target.value));
  $('open-file').addEventListener('change', event => openFile(event.target.files[0]).finally(() => { event.target.value = ''; }));
  await loadEngineSupport();
  const templates = await (await request('GET', '/api/designer/element-templates')).json();
  modeler.get('elementTemplatesLoader').setTemplates(templates);
  await loadDefinitions();
  if (!(await openFromQuery())) {
    await showDocument({ kind: 'process' }, emptyDiagram(), 'A new diagram');
  }
}

// Closing or reloading the tab would lose what was not deployed: the browser asks first.
window.addEventListener('beforeunload', event => {
  if (dirty) {
    event.preventDefault();
  }
});

// For the browser tests and the console: the editors, and import/export exactly as the page does them.
const ready = start().catch(error => setStatus('error', `The designer could not start: ${error.message}`));
window.processesDesigner = {
  modeler,
  ready,
  editor: () => editors[current.kind],
  current: () => current,
  importXML: xml => importWithReport(modeler, xml),
  exportXML: async () => (await modeler.saveXML({ format: true })).xml,
  loadDefinitions,
};

/** The heatmap of the opened deployed version (issue 19): where its instances — those the user may see — spend time. */
async function showHeatmap() {
  if (current.kind !== 'process' || !current.key) {
    setStatus('error', 'Open a deployed process version from the list first: the heatmap shows how its instances ran.');
    return;
  }
  try {
    const elements = await loadHeatmap(current.key);
    const slowest = drawHeatmap(modeler, elements);
    setStatus('success', elements.length === 0 ? 'No runs of this version that you may see.' : `Heatmap of ${current.id} version ${current.version}` +
      (slowest ? `: most time is spent in ${slowest}.` : '.'));
  } catch (error) {
    setStatus('error', error.message);
  }
}
