// The case page's diagram overlays: live tokens and incidents, the path the case has taken (elements completed and
// sequence flows taken, from its history), and the SLA state of each user task (met, warned, breached, on track) —
// on the task's own element, or, for a task in an instance the case called (a demand's work ticket), on the call
// activity that runs it. The SLA states follow the reports (README, Reports): breached when done after, or still open
// past, the due date; warned when the 75 % warning was recorded; met when done in time without one.
import { drawHeatmap, loadHeatmap } from './heatmap.js';

export const SLA_LABELS = { met: 'SLA met', warned: 'SLA warned', breached: 'SLA breached', 'on-track': 'SLA on track' };

/** The SLA state of one task, or null when it has none (no due date, or cancelled). */
export function slaState(task, warned, breached, now) {
  if (!task.dueDate) return null;
  const due = Date.parse(task.dueDate);
  if (task.state === 'COMPLETED') {
    if (task.completionDate && Date.parse(task.completionDate) > due) return 'breached';
    return warned.has(task.elementInstanceKey) ? 'warned' : 'met';
  }
  if (task.state !== 'CREATED') return null;
  if (now > due || breached.has(task.elementInstanceKey)) return 'breached';
  return warned.has(task.elementInstanceKey) ? 'warned' : 'on-track';
}

/** For each element of this diagram, the SLA state of its latest task (its own, or of the instance its call activity runs). */
export function slaByElement(view, history, now = Date.now()) {
  // Matched by the task's element instance (a string key), not details.userTaskKey (a JSON number JavaScript may round).
  const recorded = event => new Set(history.filter(h => h.event === event && h.elementInstanceKey).map(h => h.elementInstanceKey));
  const warned = recorded('TASK_SLA_WARNING');
  const breached = recorded('TASK_SLA_BREACHED');
  const key = view.instance.processInstanceKey;
  // Element instance → element id in this instance: the live ones and every one its history names.
  const elementOf = new Map(view.activeElements.map(a => [a.elementInstanceKey, a.elementId]));
  for (const h of history) {
    if (h.processInstanceKey === key && h.elementInstanceKey && h.elementId) elementOf.set(h.elementInstanceKey, h.elementId);
  }
  // Each instance below the case → the call activity of this diagram it runs under (through its parents).
  const called = new Map(view.calledInstances.map(c => [c.processInstanceKey, c]));
  const callActivityOf = instanceKey => {
    for (let c = called.get(instanceKey); c; c = called.get(c.parentProcessInstanceKey)) {
      if (c.parentProcessInstanceKey === key) return elementOf.get(c.parentElementInstanceKey);
    }
    return undefined;
  };
  const states = new Map();
  const tasks = [...view.tasks].sort((a, b) => (BigInt(a.userTaskKey) < BigInt(b.userTaskKey) ? -1 : 1));
  for (const task of tasks) {
    const state = slaState(task, warned, breached, now);
    const elementId = task.processInstanceKey === key ? task.elementId : callActivityOf(task.processInstanceKey);
    if (state && elementId) states.set(elementId, state);
  }
  return states;
}

/** The elements this instance completed and the flows it took, from its history. */
export function takenPath(view, history) {
  const key = view.instance.processInstanceKey;
  const ids = new Set();
  for (const h of history) {
    if (h.processInstanceKey === key && h.elementId && (h.event === 'ELEMENT_COMPLETED' || h.event === 'SEQUENCE_FLOW_TAKEN')) ids.add(h.elementId);
  }
  return ids;
}

const MARKERS = ['token', 'incident', 'done', 'sla-met', 'sla-warned', 'sla-breached', 'sla-on-track'];

/** Draws the overlays on a viewer that shows the case's definition. */
export async function drawCase(viewer, view, history, heatmapOn, el) {
  const canvas = viewer.get('canvas');
  const overlays = viewer.get('overlays');
  const registry = viewer.get('elementRegistry');
  overlays.clear();
  for (const element of registry.getAll()) {
    for (const marker of MARKERS) canvas.removeMarker(element.id, marker);
  }
  const live = new Set();
  const counts = new Map();
  for (const active of view.activeElements) {
    if (active.isMultiInstanceBody || !registry.get(active.elementId)) continue;
    live.add(active.elementId);
    counts.set(active.elementId, (counts.get(active.elementId) ?? 0) + 1);
    canvas.addMarker(active.elementId, active.incidentKey ? 'incident' : 'token');
  }
  for (const incident of view.incidents) {
    if (registry.get(incident.elementId)) canvas.addMarker(incident.elementId, 'incident');
  }
  for (const id of takenPath(view, history)) {
    if (registry.get(id) && !live.has(id)) canvas.addMarker(id, 'done');
  }
  for (const [elementId, count] of counts) {
    overlays.add(elementId, 'tokens', { position: { top: -10, right: 10 }, html: el('span', 'token-count', count) });
  }
  for (const [elementId, state] of slaByElement(view, history)) {
    if (!registry.get(elementId)) continue;
    canvas.addMarker(elementId, `sla-${state}`);
    const badge = el('span', `sla-badge sla-${state}`, SLA_LABELS[state]);
    badge.dataset.elementId = elementId;
    badge.dataset.sla = state;
    overlays.add(elementId, 'sla', { position: { bottom: 12, left: -4 }, html: badge });
  }
  // The heatmap (issue 19), when switched on: every instance of this definition the user may see, not this case alone.
  if (heatmapOn) drawHeatmap(viewer, await loadHeatmap(view.instance.processDefinitionKey));
}
