// The decision editor (dmn-js: decision requirements diagram, decision tables, literal expressions) with its
// properties panel. Loaded on demand, so the process designer does not download it until a decision is opened.
import DmnModeler from 'dmn-js/lib/Modeler';
import { DmnPropertiesPanelModule, DmnPropertiesProviderModule, ZeebePropertiesProviderModule } from 'dmn-js-properties-panel';
import zeebeDmnModdle from 'zeebe-dmn-moddle/resources/zeebe.json';

export function createDecisionEditor({ canvas, properties, onChange }) {
  const modeler = new DmnModeler({
    container: canvas,
    drd: {
      propertiesPanel: { parent: properties },
      additionalModules: [DmnPropertiesPanelModule, DmnPropertiesProviderModule, ZeebePropertiesProviderModule],
    },
    moddleExtensions: { zeebe: zeebeDmnModdle },
  });
  // Each view has its own command stack: a change in any of them makes the file changed.
  modeler.on('views.changed', () => {
    const viewer = modeler.getActiveViewer();
    if (viewer && !viewer.__processesWatched) {
      viewer.__processesWatched = true;
      viewer.on('elements.changed', onChange);
    }
  });

  let marked = [];

  const editor = {
    kind: 'decision',
    modeler,
    async open(xml) {
      const { warnings } = await modeler.importXML(xml);
      // A file with one decision opens at its table (what a designer edits most); several open at the diagram.
      const views = modeler.getViews();
      const tables = views.filter(view => view.type !== 'drd');
      if (tables.length === 1) {
        await modeler.open(tables[0]);
      }
      return warnings.map(warning => ({ message: warning.message, elementId: warning.element?.id ?? null }));
    },
    async save() {
      return (await modeler.saveXML({ format: true })).xml;
    },
    /** The DMN definitions' id and name: the file's identity (decision requirements id). */
    identity() {
      const definitions = modeler.getDefinitions();
      return { id: definitions?.id ?? null, name: definitions?.name ?? null };
    },
    /**
     * Marks what the server refused: the view holding the element is opened, and the cell, row, column or
     * diagram element gets the marker and the message as its tooltip.
     */
    async showProblems(reported, text) {
      editor.clearProblems();
      // The engine names the decision and the line of what it refused; the line leads to the cell, rule or column.
      const problems = reported.flatMap(problem => {
        const at = problem.line && text ? idAt(text, problem.line, problem.column) : null;
        return at && at !== problem.elementId ? [{ ...problem, elementId: at }, problem] : [problem];
      });
      const first = problems.find(problem => problem.elementId);
      if (first) {
        const view = viewContaining(first.elementId);
        if (view && view !== modeler.getActiveView()) {
          await modeler.open(view);
        }
      }
      for (const problem of problems) {
        if (!problem.elementId) {
          continue;
        }
        for (const node of canvas.querySelectorAll(`[data-element-id="${CSS.escape(problem.elementId)}"], [data-row-id="${CSS.escape(problem.elementId)}"], [data-col-id="${CSS.escape(problem.elementId)}"]`)) {
          node.classList.add('processes-problem');
          node.title = problem.message;
          marked.push(node);
        }
      }
    },
    clearProblems() {
      for (const node of marked) {
        node.classList.remove('processes-problem');
        node.removeAttribute('title');
      }
      marked = [];
    },
    reveal(elementId) {
      const view = viewContaining(elementId);
      return view ? modeler.open(view) : Promise.resolve();
    },
    destroy() {
      modeler.destroy();
    },
  };

  /** The id of the element whose start tag is the last one opened before line:column (1-based) of the DMN text. */
  function idAt(text, line, column) {
    const lines = text.split('\n');
    if (line > lines.length) {
      return null;
    }
    const offset = lines.slice(0, line - 1).reduce((sum, current) => sum + current.length + 1, 0) + Math.max((column ?? 1) - 1, 0);
    // The tag at the position itself counts: move to the end of the tag that starts there.
    const end = text.indexOf('>', offset);
    const before = text.slice(0, end < 0 ? text.length : end + 1);
    const ids = [...before.matchAll(/<[\w:.-]+\s[^>]*?\bid="([^"]+)"/g)];
    return ids.length > 0 ? ids[ids.length - 1][1] : null;
  }

  /** The view (decision table, literal expression, diagram) that shows an element of the given id. */
  function viewContaining(elementId) {
    const views = modeler.getViews();
    const owner = element => {
      let current = element;
      while (current && !(current.$type === 'dmn:Decision')) {
        current = current.$parent;
      }
      return current;
    };
    const definitions = modeler.getDefinitions();
    let found = null;
    const visit = element => {
      if (!element || typeof element !== 'object' || found) {
        return;
      }
      if (element.id === elementId) {
        found = element;
        return;
      }
      for (const key of Object.keys(element)) {
        if (key.startsWith('$')) {
          continue;
        }
        const value = element[key];
        if (Array.isArray(value)) {
          value.forEach(visit);
        } else if (value && typeof value === 'object' && value.$type) {
          visit(value);
        }
      }
    };
    visit(definitions);
    const decision = owner(found);
    return views.find(view => decision && view.element === decision && view.type !== 'drd')
      ?? views.find(view => view.type === 'drd');
  }

  return editor;
}
