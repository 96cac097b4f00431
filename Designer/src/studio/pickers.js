// Dropdowns in the properties panel instead of raw text: the business calendar of a timer event (the extension
// property businessCalendar the engine reads) and the deployed form a user task or start event links to
// (zeebe:formDefinition formId), plus "Create form for this task". The lists come from the page (catalog), which
// loads them from the server and refreshes them after each deployment. An element that waits (user and receive task,
// catch event, event-based gateway) offers "Pause the SLA while waiting" (the extension property slaPause).
import { SelectEntry, TextFieldEntry, isSelectEntryEdited, isTextFieldEntryEdited } from '@bpmn-io/properties-panel';
import { h } from '@bpmn-io/properties-panel/preact';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

export const CALENDAR_PROPERTY = 'businessCalendar';
export const SLA_PAUSE_PROPERTY = 'slaPause';

function extensionsOf(element, type) {
  return (getBusinessObject(element).get('extensionElements')?.get('values') ?? []).filter(value => is(value, type));
}

/** The commands that make sure the element has extension elements with one `type` inside; returns [commands, extension]. */
function ensureExtension(element, type, bpmnFactory) {
  const bo = getBusinessObject(element);
  const commands = [];
  let extensionElements = bo.get('extensionElements');
  if (!extensionElements) {
    extensionElements = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    extensionElements.$parent = bo;
    commands.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement: bo, properties: { extensionElements } } });
  }
  let extension = extensionElements.get('values').find(value => is(value, type));
  if (!extension) {
    extension = bpmnFactory.create(type, {});
    extension.$parent = extensionElements;
    commands.push({
      cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: extensionElements, properties: { values: [...extensionElements.get('values'), extension] } },
    });
  }
  return [commands, extension];
}

export function zeebeProperty(element, name) {
  for (const properties of extensionsOf(element, 'zeebe:Properties')) {
    const found = (properties.get('properties') ?? []).find(property => property.name === name);
    if (found) {
      return found.value ?? '';
    }
  }
  return '';
}

export function setZeebeProperty(element, name, value, { bpmnFactory, commandStack }) {
  const existing = extensionsOf(element, 'zeebe:Properties')
    .flatMap(properties => (properties.get('properties') ?? []).map(property => [properties, property]))
    .find(([, property]) => property.name === name);
  const commands = [];
  if (!value) {
    if (!existing) {
      return;
    }
    const [properties, property] = existing;
    commands.push({
      cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: properties, properties: { properties: properties.get('properties').filter(p => p !== property) } },
    });
  } else if (existing) {
    commands.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement: existing[1], properties: { value } } });
  } else {
    const [ensure, properties] = ensureExtension(element, 'zeebe:Properties', bpmnFactory);
    const property = bpmnFactory.create('zeebe:Property', { name, value });
    property.$parent = properties;
    commands.push(...ensure, {
      cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: properties, properties: { properties: [...(properties.get('properties') ?? []), property] } },
    });
  }
  commandStack.execute('properties-panel.multi-command-executor', commands);
}

export function linkedFormId(element) {
  return extensionsOf(element, 'zeebe:FormDefinition')[0]?.get('formId') ?? '';
}

/** Links the element to a deployed form by id (latest version); clears the other ways of naming a form. */
export function linkForm(element, formId, { bpmnFactory, commandStack }) {
  const [commands, definition] = ensureExtension(element, 'zeebe:FormDefinition', bpmnFactory);
  commands.push({
    cmd: 'element.updateModdleProperties',
    context: { element, moddleElement: definition, properties: { formId: formId || undefined, formKey: undefined, externalReference: undefined } },
  });
  commandStack.execute('properties-panel.multi-command-executor', commands);
}

function withCurrent(options, current) {
  return current && !options.some(option => option.value === current)
    ? [...options, { value: current, label: `${current} (not deployed)` }]
    : options;
}

function CalendarSelect({ element, id, catalog }) {
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  return h(SelectEntry, {
    element,
    id,
    label: 'Business calendar',
    description: 'Durations count working time of this calendar (the host\'s /api/calendars).',
    getValue: () => zeebeProperty(element, CALENDAR_PROPERTY),
    setValue: value => setZeebeProperty(element, CALENDAR_PROPERTY, value, { bpmnFactory, commandStack }),
    getOptions: () => withCurrent([{ value: '', label: '(none: calendar time)' }, ...catalog.calendars.map(name => ({ value: name, label: name }))],
      zeebeProperty(element, CALENDAR_PROPERTY)),
  });
}

function FormSelect({ element, id, catalog }) {
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  return h(SelectEntry, {
    element,
    id,
    label: 'Deployed form',
    description: 'The form the task shows in the inbox (its latest version).',
    getValue: () => linkedFormId(element),
    setValue: value => linkForm(element, value, { bpmnFactory, commandStack }),
    getOptions: () => withCurrent([{ value: '', label: '(no form)' }, ...catalog.forms.map(formId => ({ value: formId, label: formId }))],
      linkedFormId(element)),
  });
}

function SlaPauseField({ element, id }) {
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element,
    id,
    label: 'Pause the SLA while waiting (reason)',
    description: 'While a token waits here the case\'s SLA timers (slaClock) stop; they resume when it leaves. Empty: no pause.',
    getValue: () => zeebeProperty(element, SLA_PAUSE_PROPERTY),
    setValue: value => setZeebeProperty(element, SLA_PAUSE_PROPERTY, (value ?? '').trim(), { bpmnFactory, commandStack }),
    debounce,
  });
}

function isWaitingElement(element) {
  return is(element, 'bpmn:UserTask') || is(element, 'bpmn:ReceiveTask') || is(element, 'bpmn:IntermediateCatchEvent')
    || is(element, 'bpmn:EventBasedGateway');
}

function CreateFormButton({ element, catalog }) {
  return h('div', { class: 'bio-properties-panel-entry' },
    h('button', { type: 'button', class: 'processes-create-form', onClick: () => catalog.createFormFor(element) }, 'Create form for this task…'));
}

function isTimerEvent(element) {
  return is(element, 'bpmn:Event') && (getBusinessObject(element).get('eventDefinitions') ?? []).some(d => is(d, 'bpmn:TimerEventDefinition'));
}

function isFormHolder(element) {
  return is(element, 'bpmn:UserTask') || (is(element, 'bpmn:StartEvent') && !(getBusinessObject(element).get('eventDefinitions') ?? []).length
    && is(element.parent, 'bpmn:Process'));
}

function StudioPickers(propertiesPanel, config) {
  const catalog = config;
  propertiesPanel.registerProvider(400, {
    getGroups: element => groups => {
      if (isTimerEvent(element)) {
        groups.splice(1, 0, {
          id: 'processes-calendar',
          label: 'Working time',
          shouldOpen: true,
          entries: [{ id: 'processes-business-calendar', element, catalog, component: CalendarSelect, isEdited: isSelectEntryEdited }],
        });
      }
      if (isFormHolder(element)) {
        const entries = [{ id: 'processes-form', element, catalog, component: FormSelect, isEdited: isSelectEntryEdited }];
        if (is(element, 'bpmn:UserTask')) {
          entries.push({ id: 'processes-create-form', element, catalog, component: CreateFormButton });
        }
        groups.splice(1, 0, { id: 'processes-linked-form', label: 'Linked form', entries, shouldOpen: true });
      }
      if (isWaitingElement(element)) {
        groups.splice(1, 0, {
          id: 'processes-sla-pause',
          label: 'SLA pause',
          entries: [{ id: 'processes-sla-pause-reason', element, component: SlaPauseField, isEdited: isTextFieldEntryEdited }],
        });
      }
      return groups;
    },
  });
}

StudioPickers.$inject = ['propertiesPanel', 'config.studioCatalog'];

export default {
  __init__: ['studioPickers'],
  studioPickers: ['type', StudioPickers],
};
