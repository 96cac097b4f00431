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
     * Marks what the server refused. A decision-table problem names its rule (1-based) and column (the input's or
     * output's id): that cell, row or column header is marked. Others name the decision and the line, which leads to
     * the element. The message is the marked node's tooltip. `reveal` opens the view of the first problem; a live
     * check passes false, so the table being typed in stays open and only what it shows is marked.
     */
    async showProblems(reported, text, { reveal = true } = {}) {
      editor.clearProblems();
      const problems = reported.flatMap(problem => {
        if (problem.ruleIndex || problem.columnId) {
          return [{ ...problem, selector: cellSelector(problem), viewOf: problem.elementId }];
        }
        // The engine names the decision and the line of what it refused; the line leads to the cell, rule or column.
        const at = problem.line && text ? idAt(text, problem.line, problem.column) : null;
        return at && at !== problem.elementId ? [{ ...problem, elementId: at }, problem] : [problem];
      }).filter(problem => problem.selector || problem.elementId);
      const first = problems[0];
      if (first && reveal) {
        const view = first.viewOf ? viewOfDecision(first.viewOf) : viewContaining(first.elementId);
        if (view && view !== modeler.getActiveView()) {
          await modeler.open(view);
        }
      }
      const active = modeler.getActiveView();
      for (const problem of problems) {
        if (problem.viewOf && active?.element?.id !== problem.viewOf) {
          continue; // a cell of a table not shown now
        }
        const selector = problem.selector ?? `[data-element-id="${CSS.escape(problem.elementId)}"], [data-row-id="${CSS.escape(problem.elementId)}"], [data-col-id="${CSS.escape(problem.elementId)}"]`;
        for (const node of canvas.querySelectorAll(selector)) {
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

  /** The decision of the given id as the open file has it (null when it is not there). */
  function decisionOf(decisionId) {
    return (modeler.getDefinitions()?.drgElement ?? []).find(element => element.$type === 'dmn:Decision' && element.id === decisionId) ?? null;
  }

  function viewOfDecision(decisionId) {
    return modeler.getViews().find(view => view.type !== 'drd' && view.element?.id === decisionId) ?? null;
  }

  /**
   * The cells of a decision-table problem: rule and column → that cell (the rule's entry in the column); a rule alone →
   * its row's cells; a column alone → its header. null when the rule or column is not in the open file (it changed since the check).
   */
  function cellSelector({ elementId, ruleIndex, columnId }) {
    const table = decisionOf(elementId)?.decisionLogic;
    const rule = ruleIndex ? table?.rule?.[ruleIndex - 1] : null;
    if (ruleIndex && !rule) {
      return null;
    }
    const inputAt = (table?.input ?? []).findIndex(input => input.id === columnId);
    const outputAt = (table?.output ?? []).findIndex(output => output.id === columnId);
    const entries = rule ? [...(rule.inputEntry ?? []), ...(rule.outputEntry ?? [])] : [];
    const entry = !rule || !columnId ? null
      : inputAt >= 0 ? rule.inputEntry?.[inputAt] : outputAt >= 0 ? rule.outputEntry?.[outputAt] : null;
    const byId = id => `td[data-element-id="${CSS.escape(id)}"]`;
    if (rule) {
      return entry ? byId(entry.id) : entries.map(cell => byId(cell.id)).join(', ') || null;
    }
    return columnId ? `th[data-col-id="${CSS.escape(columnId)}"]` : null;
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
