// The admin pages' shared helpers (users and keys, versions, settings): requests that answer JSON or nothing, the page's
// one message line, actions that report their problem there, and element building without innerHTML.
import { request, problemText, showMessage } from './api.js';

export async function json(method, url, options) {
  const response = await request(method, url, options);
  // 204, and a 201 whose answer is only its Location, have no body to read.
  const text = response.status === 204 ? '' : await response.text();
  return text ? JSON.parse(text) : null;
}

export function say(kind, text) {
  const message = document.getElementById('message');
  message.className = `message ${kind}`;
  showMessage(message, text);
}

/** Runs an admin action, reporting its problem instead of throwing (a click has nobody else to tell). */
export async function act(action, success) {
  try {
    await action();
    if (success) say('success', success);
  } catch (error) {
    say('error', error.problem ? problemText(error.problem, error.status) : error.message);
  }
}

export function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** The admin area's tabs, in one place for every admin page (their ids are what the page tests look for). */
const ADMIN_TABS = [
  { id: 'users', href: '/admin', label: 'Users, groups and audit' },
  { id: 'versions', href: '/admin/versions', label: 'Versions and migration' },
  { id: 'settings', href: '/admin/settings', label: 'Agents, SMS texts and calendars' },
  { id: 'tenants', href: '/admin/tenants', label: 'Tenants' },
  { id: 'catalogues', href: '/admin/catalogues', label: 'Catalogues' },
];

/**
 * The page's header, built here so the admin pages and the reports page do not repeat it: the toolbar (brand, the site
 * navigation's place, the user, sign-out; renderNav fills them) and, with `tab`, the admin tabs with that one current.
 * Put before the page's message line; call it before renderNav.
 */
export function renderPageHeader({ brand, tab = null }) {
  const header = element('header', undefined, 'toolbar');
  const nav = element('nav', undefined, 'site-nav');
  nav.id = 'site-nav';
  nav.setAttribute('aria-label', 'Pages');
  const user = element('span', undefined, 'user');
  user.id = 'user';
  const signOut = element('button', 'Sign out');
  signOut.type = 'button';
  signOut.id = 'sign-out';
  header.append(element('strong', brand, 'brand'), element('span', undefined, 'spacer'), nav, user, signOut);
  const parts = [header];
  if (tab) {
    const tabs = element('nav', undefined, 'admin-tabs');
    tabs.setAttribute('aria-label', 'Admin');
    tabs.append(...ADMIN_TABS.map(({ id, href, label }) => {
      const link = element('a', label);
      link.id = `tab-${id}`;
      link.href = href;
      if (id === tab) link.setAttribute('aria-current', 'page');
      return link;
    }));
    parts.push(tabs);
  }
  document.body.prepend(...parts);
}

/**
 * For someone in several tenants (an admin: every tenant) the page's tenant picker chooses whose data the page shows and
 * saves; it starts at the session's tenant. One tenant: no picker (`row` stays hidden), the API's default holds.
 * Answers `scoped(path)`: the API path with the picked tenant (`?tenantId=`), so every read and write acts there.
 * After a pick `onChange` reloads the page's data; `what` names that data in the message.
 */
export async function tenantPicker({ select, row, what, onChange }) {
  let tenant = null;
  const scoped = path => (tenant ? `${path}${path.includes('?') ? '&' : '?'}tenantId=${encodeURIComponent(tenant)}` : path);
  const mine = await json('GET', '/api/tenants/mine');
  if (!mine.all && mine.tenants.length < 2) return scoped;
  select.replaceChildren(...mine.tenants.map(t => new Option(t.name === t.id ? t.id : `${t.name} (${t.id})`, t.id)));
  tenant = mine.selected ?? (mine.tenants.some(t => t.id === '<default>') ? '<default>' : mine.tenants[0]?.id ?? null);
  select.value = tenant ?? '';
  row.hidden = false;
  select.addEventListener('change', () => act(async () => {
    tenant = select.value;
    await onChange();
  }, `Showing the ${what} of tenant ${select.value}.`));
  return scoped;
}
