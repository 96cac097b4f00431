// What the engine refuses at deployment (Engine/Bpmn/Reading), said while drawing: the lint rules below and the
// replace/append/create menus use these lists, so a designer is not offered what a deployment would reject.

/** Element types the engine has no behaviour for (ProcessReader.FlowNodeKinds lacks them). */
export const UNSUPPORTED_TYPES = {
  'bpmn:ComplexGateway': 'Complex gateways are not supported; use an inclusive or exclusive gateway.',
  'bpmn:Transaction': 'Transactions are not supported; use a sub-process.',
  'bpmn:AdHocSubProcess': 'Ad-hoc sub-processes are not supported.',
  'bpmn:ChoreographyTask': 'Choreographies are not supported.',
};

/** Event definitions the engine refuses (EventReader.UnsupportedDefinitions). */
export const UNSUPPORTED_EVENT_DEFINITIONS = {
  'bpmn:CompensateEventDefinition': 'Compensation events are not supported.',
  'bpmn:ConditionalEventDefinition': 'Conditional events are not supported.',
  'bpmn:CancelEventDefinition': 'Cancel events are not supported.',
};

export const STANDARD_LOOP = 'Standard loops are not supported; use a multi-instance marker.';

/** A menu entry (replace, append, create) that would make something the engine refuses. */
export function isRefusedEntry(id, entry) {
  const target = entry?.target;
  if (target) {
    if (UNSUPPORTED_TYPES[target.type]) {
      return true;
    }
    if (target.eventDefinitionType && UNSUPPORTED_EVENT_DEFINITIONS[target.eventDefinitionType]) {
      return true;
    }
    if (target.isForCompensation) {
      return true;
    }
  }
  // Markers toggled from the replace menu's header: the standard loop and the compensation marker.
  return id === 'toggle-loop' || id === 'toggle-adhoc' || /complex-gateway|transaction|ad-hoc|adhoc|compensat|conditional|cancel/i.test(id);
}
