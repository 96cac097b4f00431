// The deployed models the designer lists: processes (v2 process-definition search), decisions and forms
// (/api/designer/models, which has every version with its file name). Each entry is what the page opens:
// {kind, id, name, version, key, resourceName, isLatest, tenantId, decisionKey?}.
import { request } from '../api.js';

export async function loadProcesses() {
  const response = await request('POST', '/v2/process-definitions/search', { json: { page: { limit: 1000 } } });
  const { items } = await response.json();
  // Versions count per tenant: the same process id in two tenants has two latest versions.
  const latest = new Map();
  const of = item => `${item.tenantId}/${item.processDefinitionId}`;
  for (const item of items) {
    latest.set(of(item), Math.max(latest.get(of(item)) ?? 0, item.version));
  }
  return items.map(item => ({
    ...item,
    kind: 'process',
    id: item.processDefinitionId,
    name: item.name || item.processDefinitionId,
    key: item.processDefinitionKey,
    isLatest: latest.get(of(item)) === item.version,
  }));
}

export async function loadModels() {
  const items = await (await request('GET', '/api/designer/models')).json();
  return items.map(item => ({ ...item, name: item.name || item.id }));
}

/** The text of a deployed version: BPMN or DMN XML, or the form's JSON. */
export async function fetchText(entry) {
  const url = entry.kind === 'process'
    ? `/v2/process-definitions/${encodeURIComponent(entry.key)}/xml`
    : entry.kind === 'decision'
      ? `/v2/decision-definitions/${encodeURIComponent(entry.decisionKey)}/xml`
      : `/api/designer/forms/${encodeURIComponent(entry.key)}`;
  return (await request('GET', url)).text();
}

/** Fills a list with the latest version of each model; `selected` marks the open one. */
export function renderList(list, entries, { onOpen, selected }) {
  const latest = entries.filter(entry => entry.isLatest).sort((a, b) => a.name.localeCompare(b.name));
  list.replaceChildren(...latest.map(entry => {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.kind = entry.kind;
    button.dataset.id = entry.id;
    if (entry.kind === 'process') {
      button.dataset.processId = entry.id;
    }
    button.dataset.key = entry.key;
    button.classList.toggle('selected', selected?.kind === entry.kind && selected?.id === entry.id
      && (!selected?.tenantId || !entry.tenantId || selected.tenantId === entry.tenantId));
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = entry.name;
    const meta = document.createElement('span');
    meta.className = 'meta';
    // The same id in another tenant is another model: its tenant tells them apart (the default tenant's stays unmarked).
    meta.textContent = `${entry.id} · v${entry.version}${entry.tenantId && entry.tenantId !== '<default>' ? ` · ${entry.tenantId}` : ''}`;
    button.append(name, meta);
    button.addEventListener('click', () => onOpen(entry));
    item.append(button);
    return item;
  }));
  return latest.length;
}

/** The versions of one model, newest first, as options of the version picker. */
export function renderVersions(select, entries, current) {
  const versions = current?.id
    ? entries.filter(entry => entry.kind === current.kind && entry.id === current.id
        && (!current.tenantId || !entry.tenantId || entry.tenantId === current.tenantId)).sort((a, b) => b.version - a.version)
    : [];
  select.replaceChildren(...versions.map(entry => {
    const option = document.createElement('option');
    option.value = String(entry.version);
    option.textContent = `v${entry.version}${entry.isLatest ? ' (latest)' : ''}`;
    option.selected = entry.version === current.version;
    return option;
  }));
  select.hidden = versions.length === 0;
  return versions;
}
