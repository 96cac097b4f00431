// What a start asks for, in one place for every page that starts instances (the start dialog of the inbox and case
// pages, the designer's "Deploy and start"): the definition's start form from GET /v2/process-definitions/{key}/form
// (form-js viewer) or, when it has none (204), its variables as a JSON object.
import { Form } from '@bpmn-io/form-js';
import { request } from './api.js';
import { escapingTemplating } from './form-templating.js';

/**
 * Renders into `container` what starting `processDefinitionKey` asks for; resolves with { hasForm, variables(), destroy() }.
 * variables() returns the start variables or throws an Error whose message says what to correct. `textareaId` names the
 * JSON field (the pages' tests and labels address it).
 */
export async function renderStartForm(container, processDefinitionKey, { textareaId = 'start-variables' } = {}) {
  const response = await request('GET', `/v2/process-definitions/${encodeURIComponent(processDefinitionKey)}/form`);
  container.replaceChildren();
  if (response.status === 204) {
    const textarea = Object.assign(document.createElement('textarea'), { id: textareaId, rows: 6, value: '{}', spellcheck: false });
    const label = Object.assign(document.createElement('label'), { className: 'variables-label' });
    label.append('Variables (JSON object) ', textarea);
    container.append(label);
    return { hasForm: false, variables: () => parseVariables(textarea.value), destroy: () => container.replaceChildren(), focus: () => textarea.focus() };
  }
  const answer = await response.json();
  const form = new Form({ container, additionalModules: [escapingTemplating] });
  await form.importSchema(JSON.parse(answer.schema), {});
  return {
    hasForm: true,
    formId: answer.formId,
    variables() {
      const { data, errors } = form.submit();
      if (Object.keys(errors).length > 0) throw new Error('Check the highlighted fields.');
      return data;
    },
    destroy() {
      form.destroy();
      container.replaceChildren();
    },
    focus: () => container.querySelector('input, select, textarea')?.focus(),
  };
}

function parseVariables(text) {
  let parsed;
  try {
    parsed = JSON.parse(text.trim() || '{}');
  } catch (error) {
    throw new Error(`The variables are not JSON: ${error.message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('The variables must be a JSON object, e.g. {"orderId": "A-1"}.');
  }
  return parsed;
}
