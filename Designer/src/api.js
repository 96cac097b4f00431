// Calls the host with the session cookie. A cookie is sent by the browser on its own, so the host requires the
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
 * it is 2xx, rejects with an ApiError otherwise. A 401 means the session ended: off to the sign-in page.
 */
export async function request(method, url, { json, form, headers: extra } = {}) {
  const headers = { ...extra };
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  if (method !== 'GET' && method !== 'HEAD') {
    Object.assign(headers, await antiforgeryHeaders());
  }
  const response = await fetch(url, { method, headers, body, credentials: 'same-origin' });
  if (response.status === 401) {
    goToLogin();
  }
  if (!response.ok) {
    throw await errorOf(response);
  }
  return response;
}
