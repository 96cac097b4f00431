// "Deploy and start": after the deployment, the dialog asks for what the deployed version's start asks for — its start
// form (form-js, the same viewer and endpoint as the start dialog of the other pages) or the variables as JSON.
// Resolves with the start variables, or null when cancelled.
import { renderStartForm } from '../start-form.js';

export async function openRunDialog(dialog, processDefinitionKey) {
  const box = dialog.querySelector('.run-form');
  const error = dialog.querySelector('.run-error');
  const heading = dialog.querySelector('h2');
  error.textContent = '';
  dialog.showModal();
  let shown;
  try {
    shown = await renderStartForm(box, processDefinitionKey, { textareaId: 'run-variables' });
  } catch (failure) {
    error.textContent = `The start form could not be shown: ${failure.message}`;
  }
  heading.textContent = shown?.hasForm ? `Start with the form ${shown.formId}` : 'Start variables';
  shown?.focus();
  return new Promise(resolve => {
    const finish = value => {
      dialog.querySelector('.run-start').removeEventListener('click', submit);
      dialog.removeEventListener('cancel', cancel);
      dialog.querySelector('.run-cancel').removeEventListener('click', cancel);
      dialog.close();
      shown?.destroy();
      resolve(value);
    };
    const submit = event => {
      event.preventDefault();
      if (!shown) return;
      try {
        finish(shown.variables());
      } catch (invalid) {
        error.textContent = invalid.message;
      }
    };
    const cancel = event => {
      event.preventDefault();
      finish(null);
    };
    dialog.querySelector('.run-start').addEventListener('click', submit);
    dialog.addEventListener('cancel', cancel);
    dialog.querySelector('.run-cancel').addEventListener('click', cancel);
  });
}
