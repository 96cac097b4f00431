// The case page's edits beside the model's actions: a variable's new value (supervisors and admins; typed as JSON,
// checked here so a typo is named before it is sent; PUT /api/instances/{key}/variables/{name} checks again and
// refuses a masked one), and the case's comments (GET/POST /api/instances/{key}/comments, whoever sees the case).
import { ApiError, request } from './api.js';

const MASK = '"***"';

/** The variables as a definition list; with an Edit button each when the user may edit and the value is not masked. */
export function renderVariables(container, variables, { editable, onSave, el }) {
  const names = Object.keys(variables).sort((a, b) => a.localeCompare(b));
  container.replaceChildren(...names.flatMap(name => {
    const value = variables[name];
    const text = JSON.stringify(value, null, 2) ?? 'null';
    const dd = el('dd');
    dd.append(typeof value === 'object' && value !== null ? el('pre', '', text) : String(value));
    if (editable && !text.includes(MASK)) {
      const edit = el('button', 'link', 'Edit');
      edit.type = 'button';
      edit.dataset.variable = name;
      edit.setAttribute('aria-label', `Edit ${name}`);
      edit.addEventListener('click', () => openEditor(dd, name, text, onSave, el));
      dd.append(' ', edit);
    }
    return [el('dt', '', name), dd];
  }));
}

function openEditor(dd, name, text, onSave, el) {
  const id = `edit-${name}`;
  const form = el('form', 'variable-editor');
  const label = el('label', '', `New value of ${name} (JSON)`);
  label.htmlFor = id;
  const input = el('textarea');
  input.id = id;
  input.rows = Math.min(8, text.split('\n').length + 1);
  input.value = text;
  const error = el('p', 'message error');
  error.setAttribute('role', 'alert');
  const save = el('button', 'primary', 'Save');
  save.type = 'submit';
  const cancel = el('button', '', 'Cancel');
  cancel.type = 'button';
  form.append(label, input, error, save, ' ', cancel);
  const shown = [...dd.childNodes];
  dd.replaceChildren(form);
  input.focus();
  cancel.addEventListener('click', () => dd.replaceChildren(...shown));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    let value;
    try {
      value = JSON.parse(input.value);
    } catch (parseError) {
      error.textContent = `Not JSON: ${parseError.message}`;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    save.disabled = true;
    try {
      await onSave(name, value);
    } catch (saveError) {
      error.textContent = saveError instanceof ApiError ? saveError.message : String(saveError);
      save.disabled = false;
    }
  });
}

export async function saveVariable(caseKey, name, value) {
  await request('PUT', `/api/instances/${encodeURIComponent(caseKey)}/variables/${encodeURIComponent(name)}`, { json: { value } });
}

/** The case's comments, oldest first, each with its author and time. */
export async function loadComments(container, caseKey, el) {
  const response = await request('GET', `/api/instances/${encodeURIComponent(caseKey)}/comments`);
  const comments = await response.json();
  container.replaceChildren(...comments.map(comment => {
    const li = el('li');
    li.append(el('p', 'comment-meta', `${comment.author} · ${new Date(comment.createdAt).toLocaleString()}`), el('p', 'comment-text', comment.text));
    return li;
  }));
}

export async function addComment(caseKey, text) {
  await request('POST', `/api/instances/${encodeURIComponent(caseKey)}/comments`, { json: { text } });
}
