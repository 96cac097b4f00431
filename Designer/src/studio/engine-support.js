// What the engine runs, as the engine itself says (GET /api/designer/engine-support, built from the BPMN reader's own
// tables): the lint rules and the replace/append/create menus use it, so a designer is not offered what a deployment
// would reject, and no list here has to be kept in step with the reader by hand.
import { request } from '../api.js';

const support = {
  flowNodeTypes: new Set(),
  eventDefinitions: new Set(),
  refusedEventDefinitions: {},
  refusedMarkers: {},
  loaded: false,
};

/** Loads the engine's lists once, before the first diagram is checked. */
export async function loadEngineSupport() {
  const answer = await (await request('GET', '/api/designer/engine-support')).json();
  support.flowNodeTypes = new Set(answer.flowNodeTypes);
  support.eventDefinitions = new Set(answer.eventDefinitions);
  support.refusedEventDefinitions = answer.refusedEventDefinitions;
  support.refusedMarkers = answer.refusedMarkers;
  support.loaded = true;
  return answer;
}

/** 'bpmn:ComplexGateway' → 'complexGateway', the reader's (XML) name. */
const localName = type => type.replace(/^bpmn:/, '').replace(/^./, first => first.toLowerCase());

/** Why the engine refuses a flow node type (moddle type, e.g. bpmn:ComplexGateway), or null when it runs it. */
export function refusedType(type) {
  if (!support.loaded || !type) {
    return null;
  }
  const name = localName(type);
  return support.flowNodeTypes.has(name) ? null : `The element type '${name}' is not supported.`;
}

/** Why the engine refuses an event definition type (e.g. bpmn:CompensateEventDefinition), or null. */
export function refusedEventDefinition(type) {
  if (!support.loaded || !type) {
    return null;
  }
  const name = localName(type);
  return support.refusedEventDefinitions[name]
    ?? (support.eventDefinitions.has(name) ? null : `The event definition '${name}' is not supported.`);
}

/** Why a marker is refused: 'standardLoopCharacteristics' or 'isForCompensation'. */
export const refusedMarker = name => support.refusedMarkers[name] ?? null;

/** Flow node types bpmn-js can make (its palette and menus) that are not events, tasks or gateways by name. */
const NON_FLOW_TARGETS = /^bpmn:(Participant|Lane|TextAnnotation|DataObjectReference|DataStoreReference|Group|Collaboration|Process)$/;

/** A menu entry (replace, append, create) that would make something the engine refuses. */
export function isRefusedEntry(id, entry) {
  const target = entry?.target;
  if (target) {
    if (target.type && !NON_FLOW_TARGETS.test(target.type) && refusedType(target.type)) {
      return true;
    }
    if (target.eventDefinitionType && refusedEventDefinition(target.eventDefinitionType)) {
      return true;
    }
    if (target.isForCompensation && refusedMarker('isForCompensation')) {
      return true;
    }
  }
  // Markers toggled from the replace menu's header: the standard loop, ad-hoc (a subprocess becomes an ad-hoc
  // sub-process, which the engine runs since it reads adHocSubProcess) and the compensation marker.
  return (id === 'toggle-loop' && Boolean(refusedMarker('standardLoopCharacteristics'))) ||
    (id === 'toggle-adhoc' && (!support.loaded || Boolean(refusedType('bpmn:AdHocSubProcess')))) ||
    (support.loaded && /complex-gateway|transaction|ad-hoc|adhoc|compensat|conditional|cancel/i.test(id) && !supportedById(id));
}

/** Entries named after an element the engine does run (a later engine may add one) stay. */
function supportedById(id) {
  const checks = [['complex-gateway', 'complexGateway'], ['transaction', 'transaction'], ['conditional', 'conditionalEventDefinition'],
    ['cancel', 'cancelEventDefinition'], ['compensat', 'compensateEventDefinition'], ['ad-hoc', 'adHocSubProcess'], ['adhoc', 'adHocSubProcess']];
  return checks.some(([part, name]) => id.toLowerCase().includes(part) && (support.flowNodeTypes.has(name) || support.eventDefinitions.has(name)));
}
