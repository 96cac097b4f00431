// The form builder (@bpmn-io/form-js-editor), loaded on demand like the decision editor.
import { FormEditor } from '@bpmn-io/form-js-editor';

export function createFormEditor({ canvas, properties, onChange }) {
  const formEditor = new FormEditor({ container: canvas, propertiesPanel: { parent: properties } });
  formEditor.on('changed', onChange);
  return {
    kind: 'form',
    modeler: formEditor,
    async open(text) {
      const schema = typeof text === 'string' ? JSON.parse(text) : text;
      const { warnings } = await formEditor.importSchema(schema);
      return (warnings ?? []).map(warning => ({ message: warning.message ?? String(warning), elementId: null }));
    },
    async save() {
      return JSON.stringify(formEditor.saveSchema(), null, 2);
    },
    identity() {
      const schema = formEditor.saveSchema();
      return { id: schema.id ?? null, name: schema.id ?? null };
    },
    async showProblems() {},
    clearProblems() {},
    reveal() {
      return Promise.resolve();
    },
    destroy() {
      formEditor.destroy();
    },
  };
}
