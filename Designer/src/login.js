// The /login page: POST /api/auth/login sets the session cookie; then back to the page that sent us here.

const form = document.getElementById('login');
const message = document.getElementById('message');

/** Only a path on this host (not "//elsewhere" or "https://…"), so the page cannot be used as an open redirect. */
function returnUrl() {
  const target = new URLSearchParams(location.search).get('returnUrl');
  return target && target.startsWith('/') && !target.startsWith('//') && !target.startsWith('/\\') ? target : home;
}

// Without a returnUrl: the page the user may open — the designer for designers and admins, else the inbox.
let home = '/designer';

form.addEventListener('submit', async event => {
  event.preventDefault();
  message.textContent = '';
  const data = new FormData(form);
  const response = await fetch('/api/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userName: data.get('userName'), password: data.get('password') }),
    credentials: 'same-origin',
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    message.textContent = problem.detail || problem.title || `Sign-in failed (${response.status}).`;
    return;
  }
  const signedIn = await response.json();
  const roles = signedIn.user.roles ?? [];
  // Without a returnUrl: the designer for designers, the operations page for operators who work no tasks, else the inbox.
  const worksTasks = ['agent', 'supervisor', 'finance'].some(role => roles.includes(role));
  home = roles.includes('designer') || roles.includes('admin') ? '/designer'
    : roles.includes('operator') && !worksTasks ? '/operations' : '/inbox';
  if (signedIn.user.passwordChangeRequired) {
    // A generated or reset password may only be replaced: the session can do nothing else until then.
    antiforgery = { [signedIn.antiforgeryHeader]: signedIn.antiforgeryToken };
    form.hidden = true;
    change.hidden = false;
    change.elements.newPassword.focus();
    return;
  }
  location.assign(returnUrl());
});

const change = document.getElementById('change-password');
let antiforgery = {};

change.addEventListener('submit', async event => {
  event.preventDefault();
  message.textContent = '';
  const data = new FormData(change);
  if (data.get('newPassword') !== data.get('repeatPassword')) {
    message.textContent = 'The two new passwords differ.';
    return;
  }
  const response = await fetch('/api/auth/password', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...antiforgery },
    body: JSON.stringify({ currentPassword: new FormData(form).get('password'), newPassword: data.get('newPassword') }),
    credentials: 'same-origin',
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    const details = Object.values(problem.errors ?? {}).flat();
    message.textContent = details.length > 0 ? details.join(' ') : problem.detail || problem.title || `Failed (${response.status}).`;
    return;
  }
  location.assign(returnUrl());
});

// The buttons start disabled: a click before this module ran would submit the form natively, as a GET with the
// password in the URL.
for (const button of document.querySelectorAll('button[type=submit]')) {
  button.disabled = false;
}
