// The heatmap overlay of a diagram (case page; any bpmn-js viewer): per element, how many element instances ran it,
// the average and 90th-percentile time spent and the SLA breaches of its tasks, from /api/reports/heatmap (the
// instances the user may see). The badge colour goes from pale to red with the average time; the slowest element
// carries data-slowest. Styles are set on the badges themselves, so no stylesheet of the host page changes.
import { request } from './api.js';

const OVERLAY = 'heatmap';
const COLOURS = ['#fff8e1', '#ffe082', '#ffb74d', '#ef6c00', '#c62828'];

function short(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

export async function loadHeatmap(processDefinitionKey) {
  const response = await request('GET', `/api/reports/heatmap?processDefinitionKey=${encodeURIComponent(processDefinitionKey)}`);
  return (await response.json()).elements;
}

export function clearHeatmap(viewer) {
  viewer.get('overlays').remove({ type: OVERLAY });
}

/** Lays the heatmap's badges over the viewer's elements; answers the id of the slowest element (or null). */
export function drawHeatmap(viewer, elements) {
  clearHeatmap(viewer);
  const registry = viewer.get('elementRegistry');
  const shown = elements.filter(e => registry.get(e.elementId));
  const max = Math.max(0, ...shown.map(e => e.averageSeconds ?? 0));
  const slowest = max > 0 ? shown.find(e => e.averageSeconds === max)?.elementId : null;
  for (const element of shown) {
    const level = max > 0 ? Math.min(4, Math.floor(((element.averageSeconds ?? 0) / max) * 4.999)) : 0;
    const badge = document.createElement('span');
    badge.dataset.heatElement = element.elementId;
    if (element.elementId === slowest) badge.dataset.slowest = 'true';
    badge.textContent = `${element.count}× ⌀ ${short(element.averageSeconds)} · p90 ${short(element.p90Seconds)}` +
      (element.slaBreaches > 0 ? ` · ${element.slaBreaches} breached` : '');
    badge.title = `${element.elementId}: ${element.count} runs (${element.active} now), average ${short(element.averageSeconds)}, ` +
      `90 % within ${short(element.p90Seconds)}, ${element.slaBreaches} SLA breaches`;
    Object.assign(badge.style, {
      display: 'inline-block', whiteSpace: 'nowrap', font: '11px/1.4 sans-serif', padding: '1px 5px', borderRadius: '8px',
      background: COLOURS[level], color: level >= 3 ? '#fff' : '#222', border: element.elementId === slowest ? '2px solid #000' : '1px solid #0003',
    });
    viewer.get('overlays').add(element.elementId, OVERLAY, { position: { bottom: 18, left: 0 }, html: badge });
  }
  return slowest ?? null;
}
