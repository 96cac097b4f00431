// The form a designer starts from with "Create form for this task" (no editor code: the page imports it eagerly).

/**
 * A new form for a user task: a text field per input mapping of the task (its variables), a form id from the task's
 * id, ready to link (zeebe:formDefinition formId).
 */
export function formForTask(taskId, taskName, inputs) {
  const components = inputs.map((name, index) => ({
    type: 'textfield',
    id: `Field_${index + 1}`,
    key: name,
    label: name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, c => c.toUpperCase()),
  }));
  if (components.length === 0) {
    components.push({ type: 'textfield', id: 'Field_1', key: 'notes', label: 'Notes' });
  }
  return {
    type: 'default',
    id: `${taskId}-form`.replace(/[^A-Za-z0-9_.-]/g, '-'),
    schemaVersion: 16,
    executionPlatform: 'Camunda Cloud',
    executionPlatformVersion: '8.8.0',
    components: [{ type: 'text', id: 'Title', text: `# ${taskName || taskId}` }, ...components],
  };
}
