// The /reports page (supervisors, admins): SLA compliance, first-response and resolution times, workload,
// hand-overs, exception orders, surveys, completion standards, fulfilment and settlement for a time range, a process and a group. Every number is the API's
// (/api/reports/...), which counts what the signed-in user may see; the page only draws it. Each section links the
// same rows as CSV.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { ApiError, request } from './api.js';
import { renderPageHeader } from './admin-kit.js';
import { renderNav } from './nav.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const $ = id => document.getElementById(id);

// The toolbar first, before anything is fetched, so the page does not jump.
renderPageHeader({ brand: 'Processes reports' });
const charts = {};

/**
 * Every report section, built from this one template: its id (the section, `<id>-title`, `<id>-csv`, `<id>-chart`,
 * `<id>-by`), the API report it links as CSV, an optional "by" choice, chart and summary line, and the table's columns
 * and body id. The page tests find the ids as they always were.
 */
const SECTIONS = [
  { id: 'sla', title: 'SLA compliance (due dates in working time)', by: ['process', 'step', 'group', 'period'], chart: 'SLA compliance chart',
    columns: ['Key', 'Met', 'Warned', 'Breached', 'Open', 'Compliance', 'Paused'], rows: 'sla-rows' },
  { id: 'durations', title: 'First response and resolution times', chart: 'Duration distribution chart',
    columns: ['Measure', 'Tasks', 'Average', 'Median', '90th pct.', 'Max'], rows: 'duration-rows' },
  { id: 'workload', title: 'Workload and throughput', by: ['agent', 'group'], chart: 'Workload chart',
    columns: ['Who', 'Open', 'Completed', 'Avg. handling'], rows: 'workload-rows' },
  { id: 'handovers', title: 'Transfers, escalations and reassignments', summary: 'handover-rates', columns: ['Kind', 'Reason', 'Tasks'], rows: 'handover-rows' },
  { id: 'exceptions', title: 'Exception orders by problem', columns: ['Problem type', 'Detail', 'Orders', 'Open', 'Closed', 'Avg. to close'],
    rows: 'exception-rows' },
  { id: 'surveys', title: 'Satisfaction surveys', summary: 'survey-summary', columns: ['Result', 'Score', 'Demands'], rows: 'survey-rows' },
  { id: 'completions', title: 'Completion standards and reasons', columns: ['Standard', 'Reason', 'Demands'], rows: 'completion-rows' },
  { id: 'fulfilment', title: 'Fulfilment acceptance and verification',
    columns: ['Network', 'Orders', 'Offers', 'Accepted', 'Acceptance', 'Verifications', 'Verified', 'Verification'], rows: 'fulfilment-rows' },
  { id: 'settlement', title: 'Settlement per network and month',
    columns: ['Network', 'Month', 'Released orders', 'Released', 'Frozen orders', 'Frozen', 'Paid'], rows: 'settlement-rows' },
];

function node(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** One section of the template: heading, tools ("by" and CSV), chart and summary when it has them, and the table. */
function section(spec) {
  const tools = node('div', { class: 'section-tools' });
  if (spec.by) {
    const select = node('select', { id: `${spec.id}-by` }, ...spec.by.map(value => new Option(value, value)));
    tools.append(node('label', {}, 'by ', select));
  }
  tools.append(node('a', { id: `${spec.id}-csv`, class: 'csv', download: '' }, 'CSV'));
  const parts = [node('h2', { id: `${spec.id}-title` }, spec.title), tools];
  if (spec.summary) parts.push(node('p', { id: spec.summary, class: 'rates' }));
  if (spec.chart) parts.push(node('div', { class: 'chart' }, node('canvas', { id: `${spec.id}-chart`, 'aria-label': spec.chart, role: 'img' })));
  const head = node('thead', {}, node('tr', {}, ...spec.columns.map(column => node('th', {}, column))));
  parts.push(node('div', { class: 'table-wrap' }, node('table', {}, head, node('tbody', { id: spec.rows }))));
  return node('section', { id: spec.id, 'aria-labelledby': `${spec.id}-title` }, ...parts);
}

function renderSections() {
  $('reports').replaceChildren(...SECTIONS.map(section));
}

function showMessage(text) {
  $('message').className = text ? 'message error' : 'message';
  $('message').textContent = text;
}

function problemText(error) {
  if (!(error instanceof ApiError)) return error.message;
  const fields = Object.entries(error.problem.errors ?? {}).map(([field, texts]) => `${field}: ${[].concat(texts).join(' ')}`);
  return fields.length > 0 ? fields.join(' ') : error.message;
}

/** Seconds as the largest two units ("2 h 5 min"); empty for none. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const units = [['d', 86400], ['h', 3600], ['min', 60]];
  const parts = [];
  let rest = s;
  for (const [unit, size] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
  }
  return parts.join(' ');
}

function query(extra = {}) {
  const params = new URLSearchParams();
  params.set('from', new Date(`${$('from').value}T00:00:00Z`).toISOString());
  // "To" is a whole day: the range ends at the next midnight (UTC).
  const to = new Date(`${$('to').value}T00:00:00Z`);
  to.setUTCDate(to.getUTCDate() + 1);
  params.set('to', to.toISOString());
  if ($('process').value.trim()) params.set('processId', $('process').value.trim());
  if ($('group').value.trim()) params.set('group', $('group').value.trim());
  params.set('period', $('period').value);
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  return params;
}

async function report(name, extra) {
  const params = query(extra);
  const response = await request('GET', `/api/reports/${name}?${params}`);
  params.set('format', 'csv');
  $(`${name === 'exception-orders' ? 'exceptions' : name}-csv`).href = `/api/reports/${name}?${params}`;
  return response.json();
}

function fill(tbody, rows, cells) {
  $(tbody).replaceChildren(...rows.map(row => {
    const tr = document.createElement('tr');
    for (const value of cells(row)) {
      const td = document.createElement('td');
      td.textContent = value ?? '';
      tr.append(td);
    }
    return tr;
  }));
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 8;
    td.className = 'hint';
    td.textContent = 'Nothing in this range.';
    tr.append(td);
    $(tbody).append(tr);
  }
}

function draw(id, labels, datasets, stacked) {
  charts[id]?.destroy();
  charts[id] = new Chart($(id), {
    type: 'bar',
    data: { labels, datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { x: { stacked }, y: { stacked, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

async function showSla() {
  const data = await report('sla', { by: $('sla-by').value });
  fill('sla-rows', data.rows, r => [r.key, r.met, r.warned, r.breached, r.open, r.compliancePercent === null ? '' : `${r.compliancePercent} %`,
    r.paused ? `${r.paused} · ${(r.pausedWorkingSeconds / 3600).toFixed(1)} h` : '']);
  draw('sla-chart', data.rows.map(r => r.key), [
    { label: 'met', data: data.rows.map(r => r.met), backgroundColor: '#2e7d32' },
    { label: 'warned', data: data.rows.map(r => r.warned), backgroundColor: '#f9a825' },
    { label: 'breached', data: data.rows.map(r => r.breached), backgroundColor: '#c62828' },
    { label: 'open', data: data.rows.map(r => r.open), backgroundColor: '#90a4ae' },
  ], true);
}

async function showDurations() {
  const data = await report('durations');
  const names = { firstResponse: 'First response', resolution: 'Resolution' };
  fill('duration-rows', data.distributions, d => [names[d.measure], d.count, duration(d.averageSeconds), duration(d.medianSeconds),
    duration(d.p90Seconds), duration(d.maxSeconds)]);
  const labels = data.distributions[0]?.buckets.map(b => b.label) ?? [];
  draw('durations-chart', labels, data.distributions.map((d, i) => ({
    label: names[d.measure], data: d.buckets.map(b => b.count), backgroundColor: i === 0 ? '#1565c0' : '#6a1b9a',
  })), false);
}

async function showWorkload() {
  const data = await report('workload', { by: $('workload-by').value });
  fill('workload-rows', data.rows, r => [r.key, r.open, r.completed, duration(r.averageHandlingSeconds)]);
  draw('workload-chart', data.rows.map(r => r.key), [
    { label: 'open', data: data.rows.map(r => r.open), backgroundColor: '#90a4ae' },
    { label: 'completed', data: data.rows.map(r => r.completed), backgroundColor: '#2e7d32' },
  ], true);
}

async function showHandovers() {
  const data = await report('handovers');
  const rate = value => (value === null ? '–' : `${value} %`);
  $('handover-rates').textContent = `${data.completedTasks} tasks completed: transfer rate ${rate(data.transferRatePercent)}, ` +
    `escalation rate ${rate(data.escalationRatePercent)}, reassignment rate ${rate(data.reassignmentRatePercent)}.`;
  fill('handover-rows', data.rows, r => [r.kind, r.reason, r.count]);
}

async function showExceptions() {
  const data = await report('exception-orders');
  fill('exception-rows', data.rows, r => [r.problemType, r.problemDetail, r.total, r.open, r.closed, duration(r.averageResolutionSeconds)]);
}

const percent = value => (value === null || value === undefined ? '–' : `${value} %`);

async function showSurveys() {
  const data = await report('surveys');
  $('survey-summary').textContent = `${data.surveyed} demands surveyed, ${data.answered} answered (${percent(data.responseRatePercent)}): ` +
    `average score ${data.averageScore ?? '–'}, satisfied (4–5) ${percent(data.satisfiedPercent)}.`;
  fill('survey-rows', data.rows, r => [r.result, r.score, r.count]);
}

async function showCompletions() {
  const data = await report('completions');
  fill('completion-rows', data.rows, r => [r.standard, r.reason, r.count]);
}

async function showFulfilment() {
  const data = await report('fulfilment');
  fill('fulfilment-rows', data.rows, r => [r.network, r.orders, r.offers, r.accepted, percent(r.acceptanceRatePercent), r.verifications, r.verified,
    percent(r.verificationRatePercent)]);
}

async function showSettlement() {
  const data = await report('settlement');
  fill('settlement-rows', data.rows, r => [r.network, r.period, r.releasedOrders, r.released, r.frozenOrders, r.frozen, r.paid]);
}

async function refresh() {
  showMessage('');
  try {
    await Promise.all([showSla(), showDurations(), showWorkload(), showHandovers(), showExceptions(), showSurveys(), showCompletions(),
      showFulfilment(), showSettlement()]);
  } catch (error) {
    showMessage(`The reports could not be loaded: ${problemText(error)}`);
  }
}

async function start() {
  renderSections();
  const me = await (await request('GET', '/api/auth/me')).json();
  renderNav(me, 'reports');
  const today = new Date();
  const monthAgo = new Date(today.getTime() - 29 * 86400000);
  $('to').value = today.toISOString().slice(0, 10);
  $('from').value = monthAgo.toISOString().slice(0, 10);
  $('filters').addEventListener('submit', event => {
    event.preventDefault();
    window.processesReports.ready = refresh();
  });
  $('sla-by').addEventListener('change', () => { window.processesReports.ready = showSla().catch(e => showMessage(problemText(e))); });
  $('workload-by').addEventListener('change', () => { window.processesReports.ready = showWorkload().catch(e => showMessage(problemText(e))); });
  await refresh();
}

window.processesReports = {
  ready: start().catch(error => showMessage(`The reports page could not start: ${problemText(error)}`)),
};
