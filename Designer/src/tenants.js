// The admin's tenants page: tenants (/api/tenants: list, create, rename, delete) and who belongs to them — users by
// name and groups (every user of a member group belongs). Every change is the API's, audited there; a refusal (a
// tenant that still holds work, an unknown user) is shown as the problem the API names. Data goes in as DOM text only.
import { act, element, json, renderPageHeader, say } from './admin-kit.js';
import { renderNav } from './nav.js';

const DEFAULT = '<default>';
const $ = id => document.getElementById(id);
let tenants = [];
let selected = null;

renderPageHeader({ brand: 'Processes admin', tab: 'tenants' });

function button(text, onClick, className) {
  const node = element('button', text, className);
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}

const path = (...parts) => `/api/tenants/${parts.map(encodeURIComponent).join('/')}`;

async function loadTenants() {
  tenants = await json('GET', '/api/tenants');
  $('tenants').replaceChildren(...tenants.map(tenant => {
    const item = element('li');
    item.dataset.tenant = tenant.id;
    item.append(button(tenant.id, () => showTenant(tenant.id), 'link'), element('span', tenant.name),
      element('span', `${tenant.users.length} user(s), ${tenant.groups.length} group(s)`, 'muted'));
    return item;
  }));
  if (selected) showTenant(selected);
}

function memberItem(name, kind) {
  const item = element('li');
  item.dataset.member = name;
  item.append(element('span', name), button('Remove', () => act(async () => {
    await json('DELETE', path(selected, `${kind}s`, name));
    await loadTenants();
  }, `Removed the ${kind} ${name} from ${selected}.`)));
  return item;
}

function showTenant(id) {
  const tenant = tenants.find(t => t.id === id);
  selected = tenant ? id : null;
  $('tenant-detail').hidden = !tenant;
  if (!tenant) return;
  $('tenant-title').textContent = `${tenant.id} — ${tenant.name}`;
  $('tenant-rename').elements.name.value = tenant.name;
  // The default tenant always exists: nothing to delete.
  $('tenant-delete').hidden = tenant.id === DEFAULT;
  $('tenant-users').replaceChildren(...tenant.users.map(name => memberItem(name, 'user')));
  $('tenant-groups').replaceChildren(...tenant.groups.map(name => memberItem(name, 'group')));
}

async function loadGroups() {
  const names = [];
  let after = null;
  do {
    const page = await json('GET', `/api/groups?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    names.push(...page.items.map(group => group.name));
    after = page.nextCursor;
  } while (after);
  $('tenant-group-add').elements.groupName.replaceChildren(...names.map(name => new Option(name, name)));
}

function onSubmit(id, handler) {
  $(id).addEventListener('submit', event => {
    event.preventDefault();
    handler(event.target.elements, event.target);
  });
}

async function start() {
  const me = await json('GET', '/api/auth/me');
  renderNav(me, 'admin');
  onSubmit('tenant-create', (form, node) => {
    const id = form.id.value.trim();
    act(async () => {
      await json('POST', '/api/tenants', { json: { id, name: form.name.value.trim() } });
      node.reset();
      selected = id;
      await loadTenants();
    }, `Created the tenant ${id}.`);
  });
  onSubmit('tenant-rename', form => act(async () => {
    await json('PUT', path(selected), { json: { name: form.name.value.trim() } });
    await loadTenants();
  }, 'Renamed the tenant.'));
  onSubmit('tenant-user-add', (form, node) => {
    const name = form.userName.value.trim();
    act(async () => {
      await json('PUT', path(selected, 'users', name));
      node.reset();
      await loadTenants();
    }, `Added the user ${name} to ${selected}.`);
  });
  onSubmit('tenant-group-add', form => {
    const name = form.groupName.value;
    act(async () => {
      await json('PUT', path(selected, 'groups', name));
      await loadTenants();
    }, `Added the group ${name} to ${selected}.`);
  });
  $('tenant-delete').addEventListener('click', () => {
    const id = selected;
    if (confirm(`Delete the tenant ${id}? Only a tenant without definitions, cases or messages can be deleted.`)) {
      act(async () => {
        await json('DELETE', path(id));
        selected = null;
        await loadTenants();
      }, `Deleted the tenant ${id}.`);
    }
  });
  await Promise.all([loadTenants(), loadGroups()]);
}

window.processesTenants = { ready: start().catch(error => say('error', `The page could not start: ${error.message}`)) };
