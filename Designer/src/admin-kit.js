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
