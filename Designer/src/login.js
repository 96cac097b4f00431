// The /login page: POST /api/auth/login sets the session cookie; then back to the page that sent us here.
import { ApiError, problemText, request, showMessage, useAntiforgery } from './api.js';

const form = document.getElementById('login');
const change = document.getElementById('change-password');
const message = document.getElementById('message');

/**
 * Only a path on this site. Browsers drop tab, CR and LF inside URLs and read "\" as "/", so "/\t/evil" and "/\evil"
 * leave the site as "//evil" does; every percent-decoded form is checked too. The host checks the same
 * (ReturnUrls.IsLocal) and answers the landing page; this check keeps the page safe on its own.
 */
function isLocal(url) {
  if (!url || url.length > 2048) {
    return false;
  }
  let current = url;
  for (let round = 0; round < 4; round++) {
    // eslint-disable-next-line no-control-regex
    if (!current.startsWith('/') || current.includes('//') || current.includes('\\') || /[\u0000-\u001f\u007f-\u009f]/.test(current)) {
      return false;
    }
    let decoded;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      return false;
    }
    if (decoded === current) {
      return new URL(current, location.origin).origin === location.origin;
    }
    current = decoded;
  }
  return false;
}

const requested = new URLSearchParams(location.search).get('returnUrl');
// The host's answer: the requested page when it is on this site, else the start page for the user's roles.
let landing = '/';

function goOn() {
  location.assign(isLocal(landing) ? landing : '/');
}

/** Sends a form's request; a refusal is shown in the message line and answers null. */
async function submit(method, url, json, options) {
  showMessage(message, '');
  try {
    return await (await request(method, url, { json, ...options })).json().catch(() => ({}));
  } catch (error) {
    showMessage(message, error instanceof ApiError ? problemText(error.problem, error.status) : String(error));
    return null;
  }
}

form.addEventListener('submit', async event => {
  event.preventDefault();
  const data = new FormData(form);
  const signedIn = await submit('POST', '/api/auth/login',
    { userName: data.get('userName'), password: data.get('password'), returnUrl: isLocal(requested) ? requested : null }, { anonymous: true });
  if (!signedIn) {
    return;
  }
  landing = signedIn.landing;
  useAntiforgery(signedIn.antiforgeryHeader, signedIn.antiforgeryToken);
  if (signedIn.user.passwordChangeRequired) {
    // A generated or reset password may only be replaced: the session can do nothing else until then.
    form.hidden = true;
    change.hidden = false;
    change.elements.newPassword.focus();
    return;
  }
  goOn();
});

change.addEventListener('submit', async event => {
  event.preventDefault();
  const data = new FormData(change);
  if (data.get('newPassword') !== data.get('repeatPassword')) {
    showMessage(message, 'The two new passwords differ.');
    return;
  }
  const changed = await submit('POST', '/api/auth/password',
    { currentPassword: new FormData(form).get('password'), newPassword: data.get('newPassword') });
  if (changed) {
    goOn();
  }
});

// The buttons start disabled: a click before this module ran would submit the form natively, as a GET with the
// password in the URL.
for (const button of document.querySelectorAll('button[type=submit]')) {
  button.disabled = false;
}
