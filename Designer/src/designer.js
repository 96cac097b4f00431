// The /designer page: the deployed processes on the left, the bpmn-js canvas in the middle, the properties panel on
// the right, and a toolbar to open, create, deploy and download. Deploying posts the XML to POST /v2/deployments;
// the engine decides the version (a changed model is a new one) and names every problem with element and line.
import { ApiError, request } from './api.js';
import { renderNav } from './nav.js';
import { emptyDiagram } from './empty-diagram.js';
import { createModeler, importWithReport, processIdOf, reveal } from './modeler.js';
import { drawHeatmap, loadHeatmap } from './heatmap.js';

const $ = id => document.getElementById(id);

const modeler = createModeler({ canvas: $('canvas'), properties: $('properties') });

/**
 * What the canvas shows: a deployed definition ({processDefinitionId, version, resourceName, ..., xml: the deployed
 * text}) or a new/local diagram.
 */
let current = null;
/** An older version opened from the versions page (?process=&version=): shown, never deployed over the latest. */
let readOnly = false;
let dirty = false;
/** Counts edits, so a deploy only marks the diagram clean when nothing was edited while it was under way. */
let edits = 0;

modeler.on('commandStack.changed', () => {
  edits += 1;
  dirty = true;
  renderTitle();
});

function renderTitle() {
  const name = current?.processDefinitionId
    ? `${current.name || current.processDefinitionId} — version ${current.version}`
    : current?.resourceName ?? 'New diagram';
  $('diagram-title').textContent = name + (readOnly ? ' (read-only)' : '') + (dirty ? ' (changed)' : '');
}

function setStatus(kind, text, problems = []) {
  const status = $('status');
  status.className = kind;
  $('status-text').textContent = text;
  const list = $('problems');
  list.replaceChildren(...problems.map(problem => {
    const item = document.createElement('li');
    item.dataset.elementId = problem.elementId ?? '';
    const where = [problem.elementType, problem.line ? `line ${problem.line}${problem.column ? ':' + problem.column : ''}` : null]
      .filter(Boolean).join(', ');
    const id = document.createElement('code');
    id.textContent = problem.elementId ?? '(diagram)';
    item.append(id, where ? ` (${where}): ` : ': ', problem.message);
    if (problem.severity === 'warning') {
      item.classList.add('warning');
    }
    item.addEventListener('click', () => reveal(modeler, problem.elementId));
    return item;
  }));
}

function confirmDiscard() {
  return !dirty || window.confirm('The diagram has changes that are not deployed. Discard them?');
}

async function showDiagram(xml, what) {
  const report = await importWithReport(modeler, xml);
  if (report.error) {
    setStatus('error', `${what} could not be opened: ${report.error}`, report.warnings);
    return false;
  }
  dirty = false;
  renderTitle();
  modeler.get('canvas').zoom('fit-viewport', 'auto');
  if (report.warnings.length > 0) {
    setStatus('warning', `${what} opened with ${report.warnings.length} warning(s).`, report.warnings);
  } else {
    setStatus('info', `${what} opened.`);
  }
  return true;
}

async function loadDefinitions() {
  const response = await request('POST', '/v2/process-definitions/search', {
    json: { filter: { isLatestVersion: true }, page: { limit: 1000 } },
  });
  const { items } = await response.json();
  const label = item => item.name || item.processDefinitionId;
  items.sort((a, b) => label(a).localeCompare(label(b)));
  const list = $('definitions');
  list.replaceChildren(...items.map(item => {
    const entry = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.processId = item.processDefinitionId;
    button.dataset.key = item.processDefinitionKey;
    button.classList.toggle('selected', item.processDefinitionId === current?.processDefinitionId);
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = label(item);
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = `${item.processDefinitionId} · v${item.version}`;
    button.append(name, meta);
    button.addEventListener('click', () => openDefinition(item));
    entry.append(button);
    return entry;
  }));
  $('definitions-empty').hidden = items.length > 0;
  return items;
}

function setReadOnly(value) {
  readOnly = value;
  $('deploy').disabled = value;
  $('deploy').title = value ? 'An older version is read-only: open the latest to change and deploy.' : '';
  renderTitle();
}

async function openDefinition(item) {
  if (!confirmDiscard()) {
    return;
  }
  setReadOnly(false);
  try {
    const response = await request('GET', `/v2/process-definitions/${encodeURIComponent(item.processDefinitionKey)}/xml`);
    const xml = await response.text();
    current = { ...item, xml };
    for (const button of $('definitions').querySelectorAll('button')) {
      button.classList.toggle('selected', button.dataset.processId === item.processDefinitionId);
    }
    await showDiagram(xml, `${item.processDefinitionId} version ${item.version}`);
  } catch (error) {
    setStatus('error', error.message);
  }
}

/** The heatmap of the opened deployed version (issue 19): where its instances — those the user may see — spend time. */
async function showHeatmap() {
  if (!current?.processDefinitionKey) {
    setStatus('error', 'Open a deployed version from the list first: the heatmap shows how its instances ran.');
    return;
  }
  try {
    const elements = await loadHeatmap(current.processDefinitionKey);
    const slowest = drawHeatmap(modeler, elements);
    setStatus('success', elements.length === 0 ? 'No runs of this version that you may see.' : `Heatmap of ${current.processDefinitionId} version ${current.version}` +
      (slowest ? `: most time is spent in ${slowest}.` : '.'));
  } catch (error) {
    setStatus('error', error.message);
  }
}

async function newDiagram() {
  if (!confirmDiscard()) {
    return;
  }
  current = null;
  setReadOnly(false);
  for (const button of $('definitions').querySelectorAll('button.selected')) {
    button.classList.remove('selected');
  }
  await showDiagram(emptyDiagram(), 'A new diagram');
}

async function openFile(file) {
  if (!file || !confirmDiscard()) {
    return;
  }
  current = { resourceName: file.name };
  setReadOnly(false);
  await showDiagram(await file.text(), file.name);
}

async function deploy() {
  if (readOnly) {
    return;
  }
  const processId = processIdOf(modeler);
  if (!processId) {
    setStatus('error', 'The diagram has no process to deploy.');
    return;
  }
  // Unchanged since it was opened, the deployed text goes back as it was: bpmn-js writes it formatted its own way,
  // and the engine, which compares bytes, would otherwise make a new version of the same model.
  const xml = !dirty && current?.xml ? current.xml : (await modeler.saveXML({ format: true })).xml;
  // A definition keeps its resource name, so its versions stay one file in the deployment history.
  const resourceName = current?.resourceName?.endsWith('.bpmn') ? current.resourceName : `${processId}.bpmn`;
  const form = new FormData();
  form.append('resources', new Blob([xml], { type: 'application/xml' }), resourceName);
  // The engine answers the existing version for unchanged content; say so rather than "deployed".
  const before = current?.processDefinitionId ? { id: current.processDefinitionId, version: current.version } : null;
  const editsDeployed = edits;
  $('deploy').disabled = true;
  setStatus('info', `Deploying ${resourceName}…`);
  try {
    const response = await request('POST', '/v2/deployments', { form });
    const result = await response.json();
    const deployed = result.deployments.map(d => d.processDefinition).filter(Boolean);
    const mine = deployed.find(d => d.processDefinitionId === processId) ?? deployed[0] ?? { processDefinitionId: processId };
    dirty = edits !== editsDeployed;
    const items = await loadDefinitions();
    const latest = items.find(item => item.processDefinitionId === mine.processDefinitionId);
    current = latest ? { ...latest, xml } : current;
    for (const button of $('definitions').querySelectorAll('button')) {
      button.classList.toggle('selected', button.dataset.processId === mine.processDefinitionId);
    }
    renderTitle();
    setStatus('success', deployed.map(d => d.processDefinitionId === before?.id && d.processDefinitionVersion === before?.version
      ? `${d.processDefinitionId} is unchanged: still version ${d.processDefinitionVersion}.`
      : `Deployed ${d.processDefinitionId} version ${d.processDefinitionVersion}.`).join(' '));
  } catch (error) {
    if (error instanceof ApiError && Array.isArray(error.problem.problems)) {
      setStatus('error', `The deployment was rejected with ${error.problem.problems.length} problem(s):`, error.problem.problems);
    } else {
      setStatus('error', `The deployment failed: ${error.message}`);
    }
  } finally {
    $('deploy').disabled = readOnly;
  }
}

async function download() {
  const { xml } = await modeler.saveXML({ format: true });
  const name = current?.resourceName ?? `${processIdOf(modeler) ?? 'diagram'}.bpmn`;
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
  link.download = name;
  link.click();
  URL.revokeObjectURL(link.href);
}

async function start() {
  const me = await (await request('GET', '/api/auth/me')).json();
  renderNav(me, 'designer');
  $('new').addEventListener('click', newDiagram);
  $('deploy').addEventListener('click', deploy);
  $('download').addEventListener('click', download);
  $('heatmap').addEventListener('click', showHeatmap);
  $('open-file').addEventListener('change', event => openFile(event.target.files[0]).finally(() => { event.target.value = ''; }));
  const latest = await loadDefinitions();
  if (!await openRequested(latest)) {
    await showDiagram(emptyDiagram(), 'A new diagram');
  }
}

/** `?process=<id>&version=<n>` (the versions page's links) opens that version; one older than the latest is read-only. */
async function openRequested(latest) {
  const params = new URLSearchParams(location.search);
  const processId = params.get('process');
  const version = Number(params.get('version'));
  const newest = latest.find(item => item.processDefinitionId === processId);
  if (!processId || !newest) {
    return false;
  }
  const filter = version ? { processDefinitionId: processId, version } : { processDefinitionId: processId, isLatestVersion: true };
  const { items } = await (await request('POST', '/v2/process-definitions/search', { json: { filter, page: { limit: 1 } } })).json();
  if (items.length === 0) {
    return false;
  }
  await openDefinition(items[0]);
  if (items[0].version !== newest.version) {
    setReadOnly(true);
    setStatus('info', `${processId} version ${items[0].version} is read-only: only the latest version (${newest.version}) can be changed and deployed.`);
  }
  return true;
}

// Closing or reloading the tab would lose what was not deployed: the browser asks first.
window.addEventListener('beforeunload', event => {
  if (dirty) {
    event.preventDefault();
  }
});

// For the browser tests and the console: the modeler, and import/export exactly as the page does them.
const ready = start().catch(error => setStatus('error', `The designer could not start: ${error.message}`));
window.processesDesigner = {
  modeler,
  ready,
  importXML: xml => importWithReport(modeler, xml),
  exportXML: async () => (await modeler.saveXML({ format: true })).xml,
  loadDefinitions,
};
