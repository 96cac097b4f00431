// The pages' shared helpers: requests with the session cookie and the antiforgery token, the text of a problem
// answer, and the page's message line. A cookie is sent by the browser on its own, so the host requires the
// antiforgery token (bound to the signed-in user) on every unsafe method; it is fetched once per page load.

let antiforgery = null;

/** A refused call: the HTTP status and the problem+json body (title, detail, and for deployments `problems`). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The server answered ${status}.`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

async function errorOf(response) {
  const text = await response.text();
  let problem;
  try {
    problem = JSON.parse(text);
  } catch {
    problem = { detail: text || response.statusText };
  }
  return new ApiError(response.status, problem);
}

/** The readable text of a problem+json answer: the field errors if any, else its detail or title. */
export function problemText(problem, status) {
  const details = Object.values(problem?.errors ?? {}).flat();
  return details.length > 0 ? details.join(' ') : problem?.detail || problem?.title || `The server answered ${status}.`;
}

/** Shows a message in the page's message line (role=alert, so screen readers announce it); '' clears it. */
export function showMessage(element, text) {
  element.textContent = text ?? '';
}

/** Takes the token a sign-in answer carries, so the next unsafe request need not fetch one. */
export function useAntiforgery(headerName, token) {
  antiforgery = { headerName, token };
}

async function antiforgeryHeaders() {
  if (!antiforgery) {
    const response = await fetch('/api/auth/antiforgery', { credentials: 'same-origin' });
    if (!response.ok) {
      throw await errorOf(response);
    }
    antiforgery = await response.json();
  }
  return { [antiforgery.headerName]: antiforgery.token };
}

/** The sign-in page, coming back here afterwards. */
export function goToLogin() {
  location.assign('/login?returnUrl=' + encodeURIComponent(location.pathname + location.search));
}

/**
 * Sends a request; `json` is sent as a JSON body, `form` (FormData) as multipart, `headers` as given (If-Match). Resolves with the response when
 * it is 2xx, rejects with an ApiError otherwise. A 401 means the session ended: off to the sign-in page — except
 * with `anonymous` (the sign-in itself), which sends no antiforgery token and reports a 401 like any refusal.
 */
export async function request(method, url, { json, form, headers: extra, anonymous = false } = {}) {
  const headers = { ...extra };
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  if (method !== 'GET' && method !== 'HEAD' && !anonymous) {
    Object.assign(headers, await antiforgeryHeaders());
  }
  const response = await fetch(url, { method, headers, body, credentials: 'same-origin' });
  if (response.status === 401 && !anonymous) {
    goToLogin();
  }
  if (!response.ok) {
    throw await errorOf(response);
  }
  return response;
}
