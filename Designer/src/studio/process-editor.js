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
      const overlays = modeler.get('overlays');
      const onElements = problems.filter(problem => problem.elementId && registry.get(problem.elementId));
      processEditor.marked = [...new Set(onElements.map(problem => problem.elementId))];
      for (const id of processEditor.marked) {
        const own = onElements.filter(problem => problem.elementId === id);
        const severity = own.some(problem => problem.severity !== 'warning') ? 'error' : 'warning';
        canvas.addMarker(id, 'processes-problem');
        // A badge on the element says what is wrong (its title, as text: model text never becomes markup).
        const badge = document.createElement('span');
        badge.className = `processes-problem-badge ${severity}`;
        badge.dataset.elementId = id;
        badge.textContent = String(own.length);
        badge.title = own.map(problem => problem.message).join('\n');
        overlays.add(id, 'processes-problem', { position: { top: -10, right: 10 }, html: badge });
      }
    },
    clearProblems() {
      const canvas = modeler.get('canvas');
      const registry = modeler.get('elementRegistry');
      // An element deleted since it was marked has no marker left to remove (and the canvas would throw on its id).
      (processEditor.marked ?? []).filter(id => registry.get(id)).forEach(id => canvas.removeMarker(id, 'processes-problem'));
      modeler.get('overlays').remove({ type: 'processes-problem' });
      processEditor.marked = [];
    },
    reveal: elementId => Promise.resolve(reveal(modeler, elementId)),
  };
  return processEditor;
}
