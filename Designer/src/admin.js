// The admin page: users (search, paging, create, roles, groups, disable/enable, password reset, unlock, API keys),
// groups and the audit log, all through the admin API (/api/users, /api/groups, /api/audit). Data goes into the
// page through DOM text only: the content security policy forbids inline script, and user names are data.
import { problemText } from './api.js';
import { act, element, json, renderPageHeader, say } from './admin-kit.js';
import { renderNav } from './nav.js';

const ROLES = ['designer', 'agent', 'supervisor', 'finance', 'operator', 'admin', 'integration'];
const $ = id => document.getElementById(id);

// The toolbar and admin tabs first, before anything is fetched, so the page does not jump.
renderPageHeader({ brand: 'Processes admin', tab: 'users' });
let usersCursor = null;
let auditCursor = null;
let selected = null;
let groupNames = [];

function button(text, onClick, className) {
  const node = element('button', text, className);
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}

function formValues(form) {
  return Object.fromEntries([...new FormData(form)].map(([name, value]) => [name, String(value).trim()]));
}

// Users

async function loadUsers(more = false) {
  const search = formValues($('user-search')).search;
  const query = new URLSearchParams({ limit: '20' });
  if (search) query.set('search', search);
  if (more && usersCursor) query.set('after', usersCursor);
  const page = await json('GET', `/api/users?${query}`);
  usersCursor = page.nextCursor;
  $('users-more').hidden = !usersCursor;
  const rows = page.items.map(user => {
    const item = element('li');
    item.append(button(user.userName, () => act(() => openUser(user.id)), 'link'),
      element('span', user.displayName, 'muted'),
      element('span', user.enabled ? user.roles.join(', ') : 'disabled', 'muted'));
    return item;
  });
  if (more) $('users').append(...rows); else $('users').replaceChildren(...rows);
}

async function createUser(event) {
  event.preventDefault();
  const values = formValues(event.target);
  await act(async () => {
    const user = await json('POST', '/api/users', {
      json: { userName: values.userName, displayName: values.displayName, email: values.email || null, password: values.password || null, roles: [], groups: [] },
    });
    event.target.reset();
    await loadUsers();
    await openUser(user.id);
  }, `Created the user ${values.userName}.`);
}

function checkboxes(container, names, checked, label) {
  container.replaceChildren(...names.map(name => {
    const box = element('input');
    box.type = 'checkbox';
    box.name = name;
    box.checked = checked.includes(name);
    const wrapper = element('label');
    wrapper.append(box, document.createTextNode(name));
    wrapper.title = `${label} ${name}`;
    return wrapper;
  }));
}

function checkedIn(container) {
  return [...container.querySelectorAll('input:checked')].map(box => box.name);
}

async function openUser(id) {
  selected = await json('GET', `/api/users/${id}`);
  $('user-detail').hidden = false;
  $('user-title').textContent = `${selected.userName} — ${selected.displayName}`;
  $('user-facts').textContent = [selected.enabled ? 'enabled' : 'disabled', selected.email, selected.hasPassword ? 'signs in with a password' : 'API keys only',
    `tenants: ${(selected.tenants ?? []).join(', ')}`]
    .filter(Boolean).join(' · ');
  $('user-toggle').textContent = selected.enabled ? 'Disable' : 'Enable';
  $('user-profile').elements.displayName.value = selected.displayName;
  $('user-profile').elements.email.value = selected.email ?? '';
  checkboxes($('role-boxes'), ROLES, selected.roles, 'role');
  checkboxes($('group-boxes'), groupNames, selected.groups, 'group');
  $('key-secret').hidden = true;
  await loadKeys();
}

async function saveUserPart(path, body, success) {
  await act(async () => {
    await json('PUT', `/api/users/${selected.id}/${path}`, { json: { ...body, version: selected.version } });
    await openUser(selected.id);
    await loadUsers();
  }, success);
}

async function loadKeys() {
  const page = await json('GET', `/api/users/${selected.id}/api-keys`);
  $('keys').replaceChildren(...page.items.map(key => {
    const item = element('li');
    const state = key.revokedAt ? `revoked ${new Date(key.revokedAt).toLocaleString()}` : `created ${new Date(key.createdAt).toLocaleString()}`;
    item.append(element('strong', key.name), element('code', `pk_${key.prefix}_…`), element('span', state, 'muted'));
    if (!key.revokedAt) {
      item.append(button('Revoke', () => act(async () => {
        await json('DELETE', `/api/users/${selected.id}/api-keys/${key.id}`);
        await loadKeys();
      }, `Revoked the key ${key.name}.`)));
    }
    return item;
  }));
}

function wireUserDetail() {
  $('user-toggle').addEventListener('click', () => act(async () => {
    await json('POST', `/api/users/${selected.id}/${selected.enabled ? 'disable' : 'enable'}`);
    await openUser(selected.id);
    await loadUsers();
  }, 'Saved.'));
  $('user-unlock').addEventListener('click', () => act(() => json('POST', `/api/users/${selected.id}/unlock`), 'Unlocked: the user may sign in again at once.'));
  $('user-profile').addEventListener('submit', event => {
    event.preventDefault();
    const { displayName, email } = formValues(event.target);
    act(async () => {
      await json('PUT', `/api/users/${selected.id}`, { json: { displayName, email: email || null, version: selected.version } });
      await openUser(selected.id);
      await loadUsers();
    }, 'Saved the name and e-mail.');
  });
  $('user-roles').addEventListener('submit', event => {
    event.preventDefault();
    saveUserPart('roles', { roles: checkedIn($('role-boxes')) }, 'Saved the roles.');
  });
  $('user-groups').addEventListener('submit', event => {
    event.preventDefault();
    // The groups list shows members, so it changes with this user's groups.
    saveUserPart('groups', { groups: checkedIn($('group-boxes')) }, 'Saved the groups.').then(() => act(loadGroups));
  });
  $('user-password').addEventListener('submit', event => {
    event.preventDefault();
    const { password } = formValues(event.target);
    act(async () => {
      await json('POST', `/api/users/${selected.id}/password`, { json: { password } });
      event.target.reset();
    }, 'Password set: the user must change it at the next sign-in.');
  });
  $('key-create').addEventListener('submit', event => {
    event.preventDefault();
    const { name } = formValues(event.target);
    act(async () => {
      const key = await json('POST', `/api/users/${selected.id}/api-keys`, { json: { name } });
      event.target.reset();
      // The secret exists only in this answer: it is shown here once and never again.
      $('key-secret').hidden = false;
      $('key-secret').textContent = `New key ${key.name}: ${key.secret} — copy it now, it is not shown again.`;
      await loadKeys();
    });
  });
}

// Groups

async function loadGroups() {
  const page = await json('GET', '/api/groups?limit=200');
  groupNames = page.items.map(group => group.name);
  $('groups').replaceChildren(...page.items.map(group => {
    const item = element('li');
    item.append(element('strong', group.name), element('span', group.displayName, 'muted'),
      element('span', group.members.length ? group.members.join(', ') : 'no members', 'muted'),
      button('Rename', () => {
        const displayName = prompt(`Display name of ${group.name}`, group.displayName);
        if (displayName) {
          act(async () => {
            await json('PUT', `/api/groups/${group.id}`, { json: { displayName, version: group.version } });
            await loadGroups();
          }, 'Renamed.');
        }
      }),
      button('Delete', () => {
        if (confirm(`Delete the group ${group.name}? Its members leave it.`)) {
          act(async () => {
            await json('DELETE', `/api/groups/${group.id}`);
            await loadGroups();
          }, `Deleted the group ${group.name}.`);
        }
      }));
    return item;
  }));
  if (selected) checkboxes($('group-boxes'), groupNames, checkedIn($('group-boxes')), 'group');
}

async function createGroup(event) {
  event.preventDefault();
  const values = formValues(event.target);
  await act(async () => {
    await json('POST', '/api/groups', { json: values });
    event.target.reset();
    await loadGroups();
  }, `Created the group ${values.name}.`);
}

// Audit log

async function loadAudit(more = false) {
  const values = formValues($('audit-filter'));
  const query = new URLSearchParams({ limit: '25' });
  if (values.actor) query.set('actor', values.actor);
  if (values.action) query.set('action', values.action);
  if (values.from) query.set('from', new Date(values.from).toISOString());
  if (values.to) query.set('to', new Date(values.to).toISOString());
  if (more && auditCursor) query.set('after', auditCursor);
  const page = await json('GET', `/api/audit?${query}`);
  auditCursor = page.nextCursor;
  $('audit-more').hidden = !auditCursor;
  const rows = page.items.map(entry => {
    const item = element('li');
    const target = entry.targetType ? `${entry.targetType} ${entry.targetId ?? ''}` : '';
    item.append(element('time', new Date(entry.at).toLocaleString()), element('strong', entry.actor), element('code', entry.action),
      element('span', target, 'muted'), element('span', entry.details ? JSON.stringify(entry.details) : '', 'muted'));
    return item;
  });
  if (more) $('audit').append(...rows); else $('audit').replaceChildren(...rows);
}

async function start() {
  const me = await json('GET', '/api/auth/me');
  renderNav(me, 'admin');
  wireUserDetail();
  $('user-search').addEventListener('submit', event => { event.preventDefault(); act(() => loadUsers()); });
  $('users-more').addEventListener('click', () => act(() => loadUsers(true)));
  $('user-create').addEventListener('submit', createUser);
  $('group-create').addEventListener('submit', createGroup);
  $('audit-filter').addEventListener('submit', event => { event.preventDefault(); act(() => loadAudit()); });
  $('audit-more').addEventListener('click', () => act(() => loadAudit(true)));
  await Promise.all([loadUsers(), loadGroups(), loadAudit()]);
}

window.processesAdmin = { ready: start().catch(error => say('error', `The admin page could not start: ${problemText(error.problem, error.status)}`)) };
