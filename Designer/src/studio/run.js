// "Deploy and start": asks for the start variables (a JSON object) in the page's <dialog>; resolves with them, or
// null when cancelled.

export function openRunDialog(dialog) {
  const textarea = dialog.querySelector('textarea');
  const error = dialog.querySelector('.run-error');
  error.textContent = '';
  return new Promise(resolve => {
    const finish = value => {
      dialog.querySelector('form').removeEventListener('submit', submit);
      dialog.removeEventListener('cancel', cancel);
      dialog.querySelector('.run-cancel').removeEventListener('click', cancel);
      dialog.close();
      resolve(value);
    };
    const submit = event => {
      event.preventDefault();
      const text = textarea.value.trim() || '{}';
      let variables;
      try {
        variables = JSON.parse(text);
      } catch (parseError) {
        error.textContent = `Not JSON: ${parseError.message}`;
        return;
      }
      if (!variables || typeof variables !== 'object' || Array.isArray(variables)) {
        error.textContent = 'The start variables are a JSON object, e.g. {"orderId": "A-1"}.';
        return;
      }
      finish(variables);
    };
    const cancel = event => {
      event.preventDefault();
      finish(null);
    };
    dialog.querySelector('form').addEventListener('submit', submit);
    dialog.addEventListener('cancel', cancel);
    dialog.querySelector('.run-cancel').addEventListener('click', cancel);
    dialog.showModal();
    textarea.focus();
  });
}
