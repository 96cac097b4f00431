// The admin's catalogues page: managed catalogues of a tenant (/api/catalogues; an admin of several picks it). Entries are edited as lines
// "value | label | parent" (a phone keyboard edits that as well as a desktop); every save is a new version the API
// audits, sent with the version it was based on so a concurrent edit is a 409 shown here. Data goes in as DOM text only.
import { act, element, json, renderPageHeader, say, tenantPicker } from './admin-kit.js';
import { renderNav } from './nav.js';

const $ = id => document.getElementById(id);
let catalogues = [];
let selected = null; // the catalogue being edited (null: a new one)
let scoped = path => path; // the API path in the picked tenant (unchanged: the session's)

renderPageHeader({ brand: 'Processes admin', tab: 'catalogues' });

const path = (...parts) => scoped(`/api/catalogues/${parts.map(encodeURIComponent).join('/')}`);

function button(text, onClick, className) {
  const node = element('button', text, className);
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}

const when = text => new Date(text).toLocaleString();

async function loadCatalogues() {
  catalogues = await json('GET', scoped('/api/catalogues'));
  $('catalogues').replaceChildren(...catalogues.map(catalogue => {
    const item = element('li');
    item.dataset.catalogue = catalogue.name;
    item.append(button(catalogue.name, () => show(catalogue.name), 'link'), element('span', catalogue.title),
      element('span', `version ${catalogue.version}, ${catalogue.entries.length} entries, by ${catalogue.createdBy}`, 'muted'));
    return item;
  }));
  const parents = $('catalogue-edit').elements.parent;
  parents.replaceChildren(new Option('(none)', ''), ...catalogues.map(c => new Option(c.name, c.name)));
}

function entriesText(entries) {
  return entries.map(e => [e.value, e.label, ...(e.parent ? [e.parent] : [])].join(' | ')).join('\n');
}

function parseEntries(text) {
  return text.split('\n').map(line => line.trim()).filter(Boolean).map(line => {
    const [value = '', label = '', parent = ''] = line.split('|').map(part => part.trim());
    return parent ? { value, label: label || value, parent } : { value, label: label || value };
  });
}

async function show(name) {
  const form = $('catalogue-edit').elements;
  $('catalogue-detail').hidden = false;
  if (name === null) {
    selected = null;
    $('catalogue-heading').textContent = 'New catalogue';
    $('catalogue-edit').reset();
    form.name.readOnly = false;
    $('catalogue-history').replaceChildren();
    form.name.focus();
    return;
  }
  const [catalogue, history] = await Promise.all([json('GET', path(name)), json('GET', path(name, 'versions'))]);
  selected = catalogue;
  $('catalogue-heading').textContent = `${catalogue.name} — version ${catalogue.version}`;
  form.name.value = catalogue.name;
  form.name.readOnly = true;
  form.title.value = catalogue.title;
  form.parent.value = catalogue.parent ?? '';
  form.entries.value = entriesText(catalogue.entries);
  $('catalogue-history').replaceChildren(...history.map(version => {
    const item = element('li');
    item.dataset.version = version.version;
    item.append(element('strong', `v${version.version}`), element('span', `${when(version.createdAt)} by ${version.createdBy}`),
      element('span', version.entries.map(e => e.value).join(', '), 'muted'));
    return item;
  }));
}

async function save(form) {
  const name = form.name.value.trim();
  const body = {
    title: form.title.value.trim(),
    parent: form.parent.value || null,
    entries: parseEntries(form.entries.value),
    version: selected ? selected.version : 0,
  };
  const saved = await json('PUT', path(name), { json: body });
  await loadCatalogues();
  await show(saved.name);
  return saved;
}

async function start() {
  const me = await json('GET', '/api/auth/me');
  renderNav(me, 'admin');
  scoped = await tenantPicker({
    select: $('catalogues-tenant'), row: $('tenant-row'), what: 'catalogues',
    onChange: async () => {
      selected = null;
      $('catalogue-detail').hidden = true;
      await loadCatalogues();
    },
  });
  $('catalogue-new').addEventListener('click', () => show(null));
  $('catalogue-edit').addEventListener('submit', event => {
    event.preventDefault();
    const form = event.target.elements;
    act(async () => {
      const saved = await save(form);
      say('success', `Saved ${saved.name} as version ${saved.version}.`);
    });
  });
  await loadCatalogues();
}

window.processesCatalogues = { ready: start().catch(error => say('error', `The page could not start: ${error.message}`)) };
