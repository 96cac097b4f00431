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
