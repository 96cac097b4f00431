// One navigation for every signed-in page: links to the pages the user's roles open (so none leads to a 403), the
// current user and sign-out. The roles mirror the host's policies (Host/Identity/Policies.cs); the host still checks.
import { goToLogin, request } from './api.js';

const PAGES = [
  { id: 'inbox', href: '/inbox', label: 'Inbox', roles: ['agent', 'supervisor', 'finance', 'admin'] },
  { id: 'designer', href: '/designer', label: 'Designer', roles: ['designer', 'admin'] },
  { id: 'reports', href: '/reports', label: 'Reports', roles: ['supervisor', 'admin'] },
  { id: 'operations', href: '/operations', label: 'Operations', roles: ['operator', 'admin'] },
  { id: 'admin', href: '/admin', label: 'Admin', roles: ['admin'] },
];

/** The pages `me` (GET /api/auth/me) may open. */
export function pagesFor(me) {
  return PAGES.filter(page => page.roles.some(role => me.roles.includes(role)));
}

/**
 * Fills the page's `<nav id="site-nav">`, `#user` and `#sign-out`; `current` is this page's id, marked with
 * aria-current. Links keep the ids `<page>-link` the page tests look for.
 */
export function renderNav(me, current) {
  const nav = document.getElementById('site-nav');
  nav.replaceChildren(...pagesFor(me).map(page => {
    const link = document.createElement('a');
    link.id = `${page.id}-link`;
    link.href = page.href;
    link.textContent = page.label;
    if (page.id === current) {
      link.setAttribute('aria-current', 'page');
    }
    return link;
  }));
  renderTenantSwitcher(nav);
  document.getElementById('user').textContent = me.displayName || me.userName;
  document.getElementById('sign-out').addEventListener('click', async () => {
    await request('POST', '/api/auth/logout');
    goToLogin();
  });
}

/**
 * A user in several tenants (an admin: in all) picks the one the pages work in; the host keeps the choice in a
 * cookie and shows only that tenant's rows until it is changed back to all. One tenant: no switcher at all.
 */
async function renderTenantSwitcher(nav) {
  let mine;
  try {
    mine = await (await request('GET', '/api/tenants/mine')).json();
  } catch {
    mine = null; // the navigation works without it; the host still scopes every request
  }
  nav.dataset.tenants = 'ready';
  if (!mine || (!mine.all && mine.tenants.length < 2)) {
    return;
  }
  const select = document.createElement('select');
  select.id = 'tenant-switcher';
  select.setAttribute('aria-label', 'Tenant');
  select.append(new Option(mine.all ? 'All tenants' : 'All my tenants', ''));
  for (const tenant of mine.tenants) {
    select.append(new Option(tenant.name === tenant.id ? tenant.id : `${tenant.name} (${tenant.id})`, tenant.id));
  }
  select.value = mine.selected ?? '';
  select.addEventListener('change', async () => {
    await request('PUT', '/api/tenants/selection', { json: { tenantId: select.value || null } });
    location.reload();
  });
  nav.append(select);
}
