// The bpmn-js Modeler with the zeebe: meta-model (so Camunda 8 extensions are read, edited and written back
// instead of being dropped), the Camunda 8 properties panel, the activities' element templates, live lint checks,
// menus without what the engine refuses, and dropdowns for business calendars and deployed forms.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  ZeebePropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import { CloudElementTemplatesCoreModule, CloudElementTemplatesPropertiesProviderModule } from 'bpmn-js-element-templates';
import ElementTemplateChooserModule from '@bpmn-io/element-template-chooser';
import LintModule from 'bpmn-js-bpmnlint';
import { CreateAppendAnythingModule, CreateAppendElementTemplatesModule } from 'bpmn-js-create-append-anything';
import ElementTemplateIconRendererModule from '@bpmn-io/element-template-icon-renderer';
import ZeebeBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-cloud';
import zeebeModdle from 'zeebe-bpmn-moddle/resources/zeebe.json';
import TokenSimulationModule from 'bpmn-js-token-simulation/lib/modeler';
import { lintConfig } from './studio/lint.js';
import MenuFilterModule from './studio/menu-filter.js';
import PickersModule from './studio/pickers.js';

/** `catalog`: what the dropdowns offer ({calendars, forms, createFormFor(element)}), filled by the page. */
export function createModeler({ canvas, properties, catalog }) {
  return new BpmnModeler({
    container: canvas,
    propertiesPanel: { parent: properties },
    linting: { active: true, bpmnlint: lintConfig },
    studioCatalog: catalog,
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      ZeebePropertiesProviderModule,
      ZeebeBehaviorsModule,
      CloudElementTemplatesCoreModule,
      CloudElementTemplatesPropertiesProviderModule,
      ElementTemplateChooserModule,
      LintModule,
      MenuFilterModule,
      PickersModule,
      CreateAppendAnythingModule,
      CreateAppendElementTemplatesModule,
      ElementTemplateIconRendererModule,
      // A dry look at the paths (the toolbar's "Simulate", or the canvas toggle / key T): tokens run in the browser only,
      // nothing is started on the server and the diagram is not changed.
      TokenSimulationModule,
    ],
    moddleExtensions: { zeebe: zeebeModdle },
  });
}

function describeWarning(warning) {
  const element = warning.element;
  return {
    message: warning.message,
    elementId: element?.id ?? null,
    elementType: element?.$type ?? null,
  };
}

/** Every flow node and sequence flow of the model, inside sub-processes too (those are what a diagram must draw). */
function flowElementsOf(definitions) {
  const found = [];
  const visit = container => {
    for (const element of container.flowElements ?? []) {
      if (element.$instanceOf('bpmn:FlowNode') || element.$instanceOf('bpmn:SequenceFlow')) {
        found.push(element);
      }
      if (element.flowElements) {
        visit(element);
      }
    }
  };
  for (const root of definitions?.rootElements ?? []) {
    if (root.$instanceOf('bpmn:Process')) {
      visit(root);
    }
  }
  return found;
}

/**
 * Imports the XML and reports what bpmn-js made of it: the error (if the import failed), each warning with its
 * element, how many diagram elements were drawn, and the flow elements that got no shape or connection.
 * The pages and the browser tests both use it, so a test sees exactly what a designer would.
 */
export async function importWithReport(modeler, xml) {
  let warnings;
  try {
    ({ warnings } = await modeler.importXML(xml));
  } catch (error) {
    return { error: error.message, warnings: (error.warnings ?? []).map(describeWarning), elementCount: 0, flowElementCount: 0, undrawn: [] };
  }
  const registry = modeler.get('elementRegistry');
  const flowElements = flowElementsOf(modeler.getDefinitions());
  return {
    error: null,
    warnings: warnings.map(describeWarning),
    elementCount: registry.getAll().length,
    flowElementCount: flowElements.length,
    undrawn: flowElements.filter(element => !registry.get(element.id)).map(element => element.id),
  };
}

/** The process id a deployment of this diagram defines (the first executable process, else the first process). */
export function processIdOf(modeler) {
  const processes = (modeler.getDefinitions()?.rootElements ?? []).filter(root => root.$instanceOf('bpmn:Process'));
  return (processes.find(p => p.isExecutable) ?? processes[0])?.id ?? null;
}

/** Selects the element and scrolls the canvas to it (a problem or warning in the list was clicked). */
export function reveal(modeler, elementId) {
  const element = elementId && modeler.get('elementRegistry').get(elementId);
  if (!element) {
    return false;
  }
  modeler.get('selection').select(element);
  modeler.get('canvas').scrollToElement(element);
  return true;
}
