// The versions page (admin): every process id with its versions and instance counts (GET /api/versions), two
// versions side by side with their differences marked (bpmn-js-differ on the deployed XML), and the migration of
// running instances from one to the other (POST /api/migrations: a dry run first, then batches of 100, each
// instance in its own transaction). Data goes into the page as DOM text only.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { diff } from 'bpmn-js-differ';
import zeebeModdle from 'zeebe-bpmn-moddle/resources/zeebe.json';
import { request } from './api.js';
import { act, element, json, renderPageHeader, say } from './admin-kit.js';
import { renderNav } from './nav.js';

const $ = id => document.getElementById(id);

// The toolbar and admin tabs first, before anything is fetched, so the page does not jump.
renderPageHeader({ brand: 'Processes versions', tab: 'versions' });
const BATCH = 100;
const viewers = {
  left: new NavigatedViewer({ container: $('left-canvas'), moddleExtensions: { zeebe: zeebeModdle } }),
  right: new NavigatedViewer({ container: $('right-canvas'), moddleExtensions: { zeebe: zeebeModdle } }),
};
let processes = [];
let current = null;
/** The compared pair: { from, to } versions (rows of /api/versions), set once both diagrams are shown. */
let pair = null;

function button(text, onClick, className) {
  const node = element('button', text, className);
  node.type = 'button';
  node.addEventListener('click', () => act(onClick));
  return node;
}

function code(text) {
  return element('code', text);
}

// Versions

// A process id is unique only within its tenant (versions count per tenant), so the page keys a process by both.
const keyOf = p => `${p.tenantId}/${p.processDefinitionId}`;

/** `selected` is a key (tenant/id) or, from a link, a bare process id. */
async function loadProcesses(selected) {
  processes = await json('GET', '/api/versions');
  $('processes-empty').hidden = processes.length > 0;
  const tenants = new Set(processes.map(p => p.tenantId));
  $('process').replaceChildren(...processes.map(p => {
    const label = p.name ? `${p.name} (${p.processDefinitionId})` : p.processDefinitionId;
    const option = element('option', tenants.size > 1 ? `${label} — ${p.tenantId}` : label);
    option.value = keyOf(p);
    return option;
  }));
  const chosen = processes.find(p => keyOf(p) === selected) ?? processes.find(p => p.processDefinitionId === selected) ?? processes[0];
  if (chosen) {
    $('process').value = keyOf(chosen);
  }
  current = chosen ?? null;
  $('process-tenant').textContent = chosen ? `Tenant: ${chosen.tenantId}` : '';
  $('process-tenant').dataset.tenant = chosen?.tenantId ?? '';
  renderVersions();
}

function versionLabel(v) {
  return `version ${v.version}${v.versionTag ? ` (${v.versionTag})` : ''}${v.isLatest ? ' — latest' : ''}`;
}

function renderVersions() {
  const versions = current?.versions ?? [];
  $('version-rows').replaceChildren(...versions.map(v => {
    const row = element('tr');
    row.dataset.version = v.version;
    row.classList.toggle('latest', v.isLatest);
    const actions = element('div', undefined, 'actions');
    const open = element('a', v.isLatest ? 'Open in designer' : 'Open read-only', 'button');
    // The designer opens the version of this tenant (a default-tenant link stays as it always was).
    open.href = `/designer?process=${encodeURIComponent(current.processDefinitionId)}&version=${v.version}`
      + (current.tenantId && current.tenantId !== '<default>' ? `&tenantId=${encodeURIComponent(current.tenantId)}` : '');
    actions.append(open, button('Start instance', () => startInstance(v)),
      button(v.suspendedAt ? 'Resume' : 'Suspend', () => suspend(v, !v.suspendedAt)));
    const cells = [
      ['Version', `v${v.version}${v.isLatest ? ' (latest)' : ''}${v.suspendedAt ? ' suspended' : ''}`], ['Tag', v.versionTag ?? ''], ['Deployed', new Date(v.deployedAt).toLocaleString()],
      ['Deployed by', v.deployedBy ?? '—', 'deployed-by'],
      ['Running', String(v.running), 'count'], ['Completed', String(v.completed), 'count'], ['Cancelled', String(v.terminated), 'count'],
      ['Incidents', String(v.withIncidents), 'count'],
    ].map(([label, text, className]) => {
      const cell = element('td', text, className);
      // The narrow layout shows each row as a card, labelling its cells (versions.css).
      cell.dataset.label = label;
      return cell;
    });
    row.append(...cells);
    const cell = element('td', undefined, 'actions-cell');
    cell.append(actions);
    row.append(cell);
    return row;
  }));
  for (const [id, fallback] of [['compare-from', versions[1] ?? versions[0]], ['compare-to', versions[0]]]) {
    const select = $(id);
    const previous = select.value;
    select.replaceChildren(...versions.map(v => {
      const option = element('option', versionLabel(v));
      option.value = String(v.version);
      return option;
    }));
    select.value = versions.some(v => String(v.version) === previous) ? previous : String(fallback?.version ?? '');
  }
}

/** Suspends a version for new starts (running instances continue), or resumes it. */
async function suspend(version, suspended) {
  await request('POST', `/api/versions/${encodeURIComponent(version.processDefinitionKey)}/${suspended ? 'suspend' : 'resume'}`);
  await loadProcesses(keyOf(current));
  say('success', suspended
    ? `Version ${version.version} is suspended: it starts no new instances; running ones continue.`
    : `Version ${version.version} starts instances again.`);
}

async function startInstance(version) {
  const started = await json('POST', '/v2/process-instances', { json: { processDefinitionKey: version.processDefinitionKey } });
  await loadProcesses(keyOf(current));
  say('success', `Started instance ${started.processInstanceKey} of version ${version.version}.`);
}

// Diff

async function show(side, version) {
  const xml = await (await request('GET', `/v2/process-definitions/${encodeURIComponent(version.processDefinitionKey)}/xml`)).text();
  await viewers[side].importXML(xml);
  viewers[side].get('canvas').zoom('fit-viewport', 'auto');
  $(`${side}-caption`).textContent = `${current.processDefinitionId} ${versionLabel(version)}`;
}

function mark(side, ids, marker) {
  const registry = viewers[side].get('elementRegistry');
  const canvas = viewers[side].get('canvas');
  for (const id of ids) {
    if (registry.get(id)) canvas.addMarker(id, marker);
  }
}

function typeOf(model) {
  return (model?.$type ?? '').replace(/^bpmn:/, '');
}

async function compare(fromVersion, toVersion) {
  const from = current.versions.find(v => v.version === fromVersion);
  const to = current.versions.find(v => v.version === toVersion);
  if (!from || !to) return;
  await Promise.all([show('left', from), show('right', to)]);
  const changes = diff(viewers.left.getDefinitions(), viewers.right.getDefinitions());
  mark('left', Object.keys(changes._removed), 'diff-removed');
  mark('left', Object.keys(changes._changed), 'diff-changed');
  mark('right', Object.keys(changes._added), 'diff-added');
  mark('right', Object.keys(changes._changed), 'diff-changed');
  mark('right', Object.keys(changes._layoutChanged).filter(id => !changes._changed[id] && !changes._added[id]), 'diff-layout');
  const entries = [
    ...Object.entries(changes._added).map(([id, model]) => ['added', id, `${typeOf(model)} added${model.name ? ` "${model.name}"` : ''}`]),
    ...Object.entries(changes._removed).map(([id, model]) => ['removed', id, `${typeOf(model)} removed${model.name ? ` "${model.name}"` : ''}`]),
    ...Object.entries(changes._changed).map(([id, change]) => ['changed', id,
      `${typeOf(change.model)} changed: ${Object.keys(change.attrs).join(', ')}`]),
    ...Object.entries(changes._layoutChanged).filter(([id]) => !changes._changed[id] && !changes._added[id])
      .map(([id, model]) => ['layout', id, `${typeOf(model)} moved on the diagram`]),
  ];
  $('changes').replaceChildren(...(entries.length === 0
    ? [element('li', `No differences between version ${from.version} and version ${to.version}.`)]
    : entries.map(([kind, id, text]) => {
      const item = element('li', undefined, kind);
      item.dataset.kind = kind;
      item.dataset.elementId = id;
      item.append(code(id), ` ${text}`);
      return item;
    })));
  pair = { from, to };
  history.replaceState(null, '', `?process=${encodeURIComponent(current.processDefinitionId)}&from=${from.version}&to=${to.version}`);
  await prepareMigration();
}

// Migration

/** Flow nodes a token can wait in (everything but start and end events), as { id, type, name }. */
function waitingNodes(side) {
  return viewers[side].get('elementRegistry').filter(e => e.type !== 'label' && e.businessObject?.$instanceOf('bpmn:FlowNode') &&
    !['bpmn:StartEvent', 'bpmn:EndEvent'].includes(e.type))
    .map(e => ({ id: e.id, type: e.type.replace(/^bpmn:/, ''), name: e.businessObject.name }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

async function prepareMigration() {
  const { from, to } = pair;
  $('migrate-panel').hidden = from.version === to.version;
  $('migrate-summary').textContent = from.version === to.version
    ? 'Choose two different versions to migrate between.'
    : `Move running instances of version ${from.version} (${from.running} running) to version ${to.version}.`;
  const targets = waitingNodes('right');
  $('mapping-rows').replaceChildren(...waitingNodes('left').map(source => {
    const select = element('select');
    select.dataset.source = source.id;
    select.setAttribute('aria-label', `Target of ${source.id}`);
    const none = element('option', targets.some(t => t.id === source.id) ? '' : '— not in the target —');
    none.value = '';
    select.append(none, ...targets.map(t => {
      const option = element('option', `${t.id} (${t.type})`);
      option.value = t.id;
      return option;
    }));
    select.value = targets.some(t => t.id === source.id) ? source.id : '';
    const row = element('tr');
    const sourceCell = element('td');
    sourceCell.append(code(source.id), ` ${source.type}${source.name ? ` "${source.name}"` : ''}`);
    const targetCell = element('td');
    targetCell.append(select);
    row.append(sourceCell, targetCell);
    return row;
  }));
  await loadInstances();
}

async function loadInstances() {
  const page = await json('POST', '/v2/process-instances/search', {
    json: { filter: { processDefinitionKey: pair.from.processDefinitionKey, state: 'ACTIVE' }, page: { limit: 50 } },
  });
  $('instances').replaceChildren(...page.items.map(instance => {
    const item = element('li');
    const label = element('label');
    const box = element('input');
    box.type = 'checkbox';
    box.value = instance.processInstanceKey;
    box.disabled = $('all-instances').checked;
    label.append(box, ` ${instance.processInstanceKey}`);
    item.append(label, element('span', instance.businessKey ?? '', 'muted'), element('span', new Date(instance.startDate).toLocaleString(), 'muted'));
    return item;
  }));
}

function plan() {
  const mappingInstructions = [...$('mapping-rows').querySelectorAll('select')]
    .filter(select => select.value && select.value !== select.dataset.source)
    .map(select => ({ sourceElementId: select.dataset.source, targetElementId: select.value }));
  return { targetProcessDefinitionKey: pair.to.processDefinitionKey, mappingInstructions };
}

function selectedKeys() {
  return [...$('instances').querySelectorAll('input:checked')].map(box => box.value);
}

function showProblems(items) {
  const refused = items.filter(i => i.problems.length > 0 || i.error);
  $('migration-problems').replaceChildren(...refused.map(i => {
    const item = element('li');
    item.append(`Instance ${i.processInstanceKey}: `);
    if (i.error) item.append(i.error);
    i.problems.forEach((p, index) => item.append(index > 0 ? '; ' : '', code(p.elementId), ` ${p.message}`));
    return item;
  }));
  return refused.length;
}

async function dryRun() {
  const limit = Math.min(BATCH, Math.max(1, Number($('dry-count').value) || 10));
  const body = $('all-instances').checked
    ? { sourceProcessDefinitionKey: pair.from.processDefinitionKey, limit, migrationPlan: plan(), dryRun: true }
    : { processInstanceKeys: selectedKeys().slice(0, limit), migrationPlan: plan(), dryRun: true };
  if (!body.sourceProcessDefinitionKey && body.processInstanceKeys.length === 0) {
    say('error', 'Select the instances to check, or check every running instance.');
    return;
  }
  const result = await json('POST', '/api/migrations', { json: body });
  const refused = showProblems(result.items);
  $('progress').textContent = `Checked ${result.items.length} instance(s): ${result.items.length - refused} can move, ${refused} cannot.`;
}

/** Every running instance of the source version, page by page. */
async function allKeys() {
  const keys = [];
  let after = null;
  for (;;) {
    const page = await json('POST', '/v2/process-instances/search', {
      json: { filter: { processDefinitionKey: pair.from.processDefinitionKey, state: 'ACTIVE' }, page: after ? { limit: BATCH, after } : { limit: BATCH } },
    });
    keys.push(...page.items.map(i => i.processInstanceKey));
    if (page.items.length < BATCH || !page.page.endCursor) return keys;
    after = page.page.endCursor;
  }
}

async function migrate() {
  const keys = $('all-instances').checked ? await allKeys() : selectedKeys();
  if (keys.length === 0) {
    say('error', 'There is no instance to migrate.');
    return;
  }
  if (!window.confirm(`Migrate ${keys.length} instance(s) from version ${pair.from.version} to version ${pair.to.version}?`)) return;
  $('migrate').disabled = true;
  const items = [];
  try {
    let migrated = 0;
    for (let i = 0; i < keys.length; i += BATCH) {
      const result = await json('POST', '/api/migrations', { json: { processInstanceKeys: keys.slice(i, i + BATCH), migrationPlan: plan() } });
      items.push(...result.items);
      migrated += result.migrated;
      $('progress').textContent = `Migrated ${migrated} of ${keys.length} instance(s)…`;
    }
    const refused = showProblems(items);
    $('progress').textContent = `Migrated ${migrated} of ${keys.length} instance(s) to version ${pair.to.version}${refused ? `; ${refused} could not move` : ''}.`;
    const fromVersion = pair.from.version;
    const toVersion = pair.to.version;
    await loadProcesses(keyOf(current));
    await compare(fromVersion, toVersion);
  } finally {
    $('migrate').disabled = false;
  }
}

async function start() {
  const me = await json('GET', '/api/auth/me');
  renderNav(me, 'admin');
  const params = new URLSearchParams(location.search);
  await loadProcesses(params.get('process'));
  $('process').addEventListener('change', () => act(async () => {
    current = processes.find(p => keyOf(p) === $('process').value) ?? null;
    $('process-tenant').textContent = current ? `Tenant: ${current.tenantId}` : '';
    $('process-tenant').dataset.tenant = current?.tenantId ?? '';
    renderVersions();
    await compare(Number($('compare-from').value), Number($('compare-to').value));
  }));
  $('compare').addEventListener('submit', event => {
    event.preventDefault();
    act(() => compare(Number($('compare-from').value), Number($('compare-to').value)));
  });
  $('all-instances').addEventListener('change', () => {
    for (const box of $('instances').querySelectorAll('input')) box.disabled = $('all-instances').checked;
  });
  $('dry-run').addEventListener('click', () => act(dryRun));
  $('migrate').addEventListener('click', () => act(migrate));
  if (current) {
    if (params.get('from')) $('compare-from').value = params.get('from');
    if (params.get('to')) $('compare-to').value = params.get('to');
    await compare(Number($('compare-from').value), Number($('compare-to').value));
  }
}

// The diagrams fill their boxes again when the window (a phone turned, a resized window) changes their size.
let resizing = null;
window.addEventListener('resize', () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => {
    for (const viewer of Object.values(viewers)) {
      const canvas = viewer.get('canvas');
      canvas.resized();
      canvas.zoom('fit-viewport', 'auto');
    }
  }, 100);
});

window.processesVersions = { ready: start().catch(error => say('error', `The page could not start: ${error.message}`)) };
