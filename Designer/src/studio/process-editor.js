// The BPMN modeler wrapped in the shape of the lazily loaded decision and form editors (open, save, identity,
// problems on the elements), so the page treats the three alike.
import { importWithReport, processIdOf, reveal } from '../modeler.js';

export function createProcessEditor(modeler) {
  const processEditor = {
    kind: 'process',
    modeler,
    async open(xml) {
      const report = await importWithReport(modeler, xml);
      if (report.error) {
        throw Object.assign(new Error(report.error), { warnings: report.warnings });
      }
      modeler.get('canvas').zoom('fit-viewport', 'auto');
      return report.warnings;
    },
    async save() {
      return (await modeler.saveXML({ format: true })).xml;
    },
    identity: () => ({ id: processIdOf(modeler) }),
    showProblems(problems) {
      processEditor.clearProblems();
      const canvas = modeler.get('canvas');
      const registry = modeler.get('elementRegistry');
      processEditor.marked = problems.map(problem => problem.elementId).filter(id => id && registry.get(id));
      processEditor.marked.forEach(id => canvas.addMarker(id, 'processes-problem'));
    },
    clearProblems() {
      const canvas = modeler.get('canvas');
      (processEditor.marked ?? []).forEach(id => canvas.removeMarker(id, 'processes-problem'));
      processEditor.marked = [];
    },
    reveal: elementId => Promise.resolve(reveal(modeler, elementId)),
  };
  return processEditor;
}
