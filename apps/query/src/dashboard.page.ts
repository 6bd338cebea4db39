/**
 * The live dashboard: one self-contained page (no external scripts or styles) that polls
 * /dashboard/data and draws the model, its clusters, ingestion and the recluster history.
 * Text from the data goes in through textContent only, never as markup.
 *
 * On a wide screen the page fills the window and the two lists scroll inside their cards, so the
 * summary, both charts and the history stay in view; on a phone the cards stack in one column.
 */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Movie recommender</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  * { box-sizing: border-box; }
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; padding: 12px; color: #1d2430; background: #f7f8fa; }
  h1 { font-size: 20px; margin: 0 0 2px; }
  h2 { font-size: 15px; margin: 0 0 8px; }
  code { font: 13px ui-monospace, monospace; background: #eef4ff; padding: 1px 4px; border-radius: 4px; overflow-wrap: anywhere; }
  .muted { color: #667085; }
  header { display: flex; flex-wrap: wrap; align-items: flex-start; justify-content: space-between; gap: 12px 32px; margin-bottom: 12px; }
  #model-version { color: #475467; }
  /* On a phone the two short figures share a row and the explained total takes the next. */
  .stats { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; }
  #ingest-total-stat { grid-column: 1 / -1; order: 1; }
  .stat b { display: block; font-size: 22px; font-variant-numeric: tabular-nums; }
  .stat small { display: block; max-width: 250px; color: #667085; font-size: 12px; line-height: 1.3; }
  .banner { margin: 0 0 12px; padding: 10px 14px; border-radius: 8px; border: 1px solid #fda29b; background: #fef3f2; color: #912018; }
  .banner strong { display: block; font-size: 16px; }
  .banner span { font-size: 12px; }
  .notice { margin: 0 0 12px; padding: 10px 14px; border-radius: 8px; border: 1px solid #b2ddff; background: #eff8ff; color: #194185; }
  .notice strong { display: block; font-size: 16px; }
  [hidden] { display: none !important; }
  body.stale main { opacity: 0.55; }
  main { display: grid; grid-template-columns: minmax(0, 1fr); gap: 12px;
    grid-template-areas: "sizes" "rate" "history" "clusters"; }
  .card { min-width: 0; display: flex; flex-direction: column; background: #fff; border: 1px solid #e4e7ec; border-radius: 8px; padding: 12px 14px; }
  #sizes-card { grid-area: sizes; }
  #rate-card { grid-area: rate; }
  #history-card { grid-area: history; }
  #clusters-card { grid-area: clusters; }
  .scroll { min-height: 0; max-height: 420px; overflow: auto; }
  /* Six columns do not fit a narrow card: each version becomes a few lines, its figures labelled. */
  #history-card { container-type: inline-size; }
  #history-table th, #history-table time { white-space: nowrap; }
  @container (max-width: 560px) {
    #history-table, #history-table tbody { display: block; }
    #history-table thead { display: none; }
    #history-table tr { display: flex; flex-wrap: wrap; gap: 0 12px; padding: 6px 0; border-bottom: 1px solid #eef0f3; }
    #history-table td { padding: 0; border: 0; text-align: left; }
    /* The version and the date share the first line, the figures wrap below them. */
    #history-table td:nth-child(1) { flex: 0 0 auto; min-width: 7em; }
    #history-table td:nth-child(2) { flex: 1 0 calc(100% - 7em - 12px); }
    #history-table td:nth-child(n+3)::before { content: attr(data-label) " "; color: #667085; }
  }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eef0f3; vertical-align: top; }
  th { position: sticky; top: 0; background: #fff; font-weight: 600; }
  .num { text-align: right; font-variant-numeric: tabular-nums; }
  td.empty { color: #667085; }
  .tag { display: inline-block; margin-left: 4px; padding: 0 5px; border-radius: 8px; font-size: 11px; background: #ecfdf3; color: #027a48; }
  svg { display: block; width: 100%; }
  svg text { font-size: 11px; fill: #475467; }
  svg .axis-title { font-size: 12px; font-weight: 600; fill: #344054; }
  svg .empty { font-size: 13px; fill: #667085; }
  .bar { fill: #3e7bfa; }
  .line { fill: none; stroke: #12b76a; stroke-width: 2; }
  .dot { fill: #12b76a; }
  .axis { stroke: #98a2b3; }
  .grid-line { stroke: #eef0f3; }
  @media (min-width: 760px) {
    body { padding: 16px 24px; }
    .stats { display: flex; gap: 12px 28px; }
    #ingest-total-stat { order: 0; }
    th, td { padding: 4px 8px; }
    main { grid-template-columns: repeat(2, minmax(0, 1fr)); grid-template-areas: "sizes rate" "clusters history"; }
  }
  /* Wide and tall enough: fill the window, the lower cards take what is left and scroll inside. */
  @media (min-width: 1000px) and (min-height: 700px) {
    body { height: 100vh; display: flex; flex-direction: column; }
    main { flex: 1 1 auto; min-height: 0; grid-template-rows: auto minmax(220px, 1fr); }
    .card { min-height: 0; }
    .scroll { flex: 1 1 auto; max-height: none; }
  }
</style>
</head>
<body>
<header>
  <div>
    <h1>Movie recommender</h1>
    <div id="model-version">loading…</div>
  </div>
  <div class="stats">
    <div class="stat"><b id="ingest-rate">–</b>events/s applied</div>
    <div class="stat" id="ingest-total-stat" title="Every valid event of every batch the ingest service applied to Redis. Kafka delivers at least once: a batch delivered again (after a restart, a rebalance or a failed commit) is applied again, harmlessly, and counted again. Re-ratings and favourites count too, so this can exceed the number of ratings stored.">
      <b id="ingest-total">–</b><span id="ingest-total-label">events applied, re-deliveries included</span>
      <small>a batch Kafka delivers again is counted again, so this can exceed the ratings stored</small>
    </div>
    <div class="stat"><b id="dead-letters">–</b>dead-lettered</div>
  </div>
</header>
<div id="error-banner" class="banner" role="alert" hidden><strong id="error-message"></strong><span id="error-detail"></span></div>
<div id="no-model" class="notice" hidden>
  <strong>No model yet</strong>
  Recommendations need one. Build it now with <code>npm run recluster -- run</code>, or
  <code>POST /v1/recluster</code> on the recluster service, or wait for that service's scheduled
  run (every <code>RECLUSTER_INTERVAL_MS</code>, or after <code>RECLUSTER_AFTER_EVENTS</code> new events).
</div>
<main>
  <section class="card" id="sizes-card"><h2>Cluster sizes</h2><svg id="cluster-sizes-chart" height="220" role="img" aria-label="users per cluster"></svg></section>
  <section class="card" id="rate-card"><h2>Ingest rate</h2><svg id="ingest-rate-chart" height="220" role="img" aria-label="events applied per second over time"></svg></section>
  <section class="card" id="history-card"><h2>Recluster history</h2><div class="scroll"><table id="history-table"></table></div></section>
  <section class="card" id="clusters-card"><h2>Clusters and their favourite movies</h2><div class="scroll"><table id="clusters-table"></table></div></section>
</main>
<script>
const NS = 'http://www.w3.org/2000/svg';
const POLL_MS = 2000;
const CHART_HEIGHT = 220;
/** The rate chart spans at least this much time, so its time axis reads well from the start. */
const MIN_SPAN_MS = 30000;
/** Readings of the events counter, one per poll: two minutes of them. */
const samples = [];
const MAX_SAMPLES = 61;
let latest = null;
let failures = 0;

const count = new Intl.NumberFormat();
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function el(tag, attrs, text) {
  const node = tag.startsWith('svg:') ? document.createElementNS(NS, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

/** A timestamp in local date and time, its ISO form in the title. */
function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return el('span', {}, iso);
  return el('time', { datetime: iso, title: iso }, dateTime.format(date));
}

/** About "most" round ticks from 0 up to at least max: steps of 1, 2 or 5 times a power of ten. */
function niceTicks(max, most, integer) {
  const top = Math.max(max, 1);
  const raw = top / most;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  let step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  if (integer) step = Math.max(1, step);
  const steps = Math.ceil(top / step - 1e-9);
  return Array.from({ length: steps + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/**
 * Appends an x-axis label, or drops it when it would stick out of the chart or touch the label
 * before it. The room object tracks where the next label may start.
 */
function label(svg, attrs, text, room) {
  const node = el('svg:text', attrs, text);
  svg.append(node);
  const half = node.getComputedTextLength() / 2;
  if (attrs.x - half < room.left || attrs.x + half > room.right) node.remove();
  else room.left = attrs.x + half + 8;
}

/** Clears a chart and draws its y ticks, grid lines and both axis titles. */
function frame(svg, yTicks, yTitle, xTitle, rightPad) {
  svg.replaceChildren();
  const width = svg.clientWidth || 400, height = CHART_HEIGHT;
  const plot = { left: 54, right: width - rightPad, top: 10, bottom: height - 42 };
  const top = yTicks[yTicks.length - 1];
  const y = (v) => plot.bottom - ((plot.bottom - plot.top) * v) / top;
  for (const tick of yTicks) {
    svg.append(el('svg:line', { class: tick === 0 ? 'axis' : 'grid-line', x1: plot.left, x2: plot.right, y1: y(tick), y2: y(tick) }));
    svg.append(el('svg:text', { class: 'y-tick', x: plot.left - 6, y: y(tick) + 4, 'text-anchor': 'end' }, compact.format(tick)));
  }
  svg.append(el('svg:text', { class: 'axis-title y-title', 'text-anchor': 'middle',
    transform: 'translate(13 ' + (plot.top + plot.bottom) / 2 + ') rotate(-90)' }, yTitle));
  svg.append(el('svg:text', { class: 'axis-title x-title', 'text-anchor': 'middle', x: (plot.left + plot.right) / 2, y: height - 4 }, xTitle));
  return { width, plot, y };
}

function sizesChart(svg, clusters) {
  const { width, plot, y } = frame(svg, niceTicks(Math.max(0, ...clusters.map((c) => c.size)), 4, true), 'users', 'cluster', 14);
  if (clusters.length === 0) {
    svg.append(el('svg:text', { class: 'empty', x: (plot.left + plot.right) / 2, y: (plot.top + plot.bottom) / 2, 'text-anchor': 'middle' }, 'no clusters until a model is built'));
    return;
  }
  const step = (plot.right - plot.left) / clusters.length;
  const gap = Math.min(2, step / 6);
  // Every cluster gets a bar; labels keep at least 22px apart.
  const every = Math.ceil(22 / step);
  const room = { left: 0, right: width };
  clusters.forEach((cluster, i) => {
    const bar = el('svg:rect', { class: 'bar', x: plot.left + i * step + gap, y: y(cluster.size), width: Math.max(1, step - 2 * gap), height: plot.bottom - y(cluster.size) });
    bar.append(el('svg:title', {}, 'cluster ' + cluster.id + ': ' + count.format(cluster.size) + ' users'));
    svg.append(bar);
    if (i % every === 0) label(svg, { class: 'x-tick', x: plot.left + i * step + step / 2, y: plot.bottom + 15, 'text-anchor': 'middle' }, cluster.id, room);
  });
}

/** Events per second between successive readings, each at the time of the later one. */
function rates() {
  return samples.slice(1).map((s, i) => ({
    at: s.at,
    rate: Math.max(0, (s.events - samples[i].events) / Math.max(0.001, (s.at - samples[i].at) / 1000)),
  }));
}

function rateChart(svg, points) {
  // The wider right margin leaves room for a time label under the newest reading.
  const { width, plot, y } = frame(svg, niceTicks(Math.max(0, ...points.map((p) => p.rate)), 4, false), 'events/s', 'time', 36);
  const end = samples.length ? samples[samples.length - 1].at : Date.now();
  const start = Math.min(points.length ? points[0].at : end, end - MIN_SPAN_MS);
  const x = (t) => plot.left + ((plot.right - plot.left) * (t - start)) / (end - start);
  const ticksEvery = (stepMs) => {
    const ticks = [];
    for (let t = Math.ceil(start / stepMs) * stepMs; t <= end; t += stepMs) ticks.push(t);
    return ticks;
  };
  // The first round step with at most one tick per 80px, or the one before it when that leaves
  // fewer than two ticks; labels that would touch are dropped.
  const most = Math.max(2, Math.floor((plot.right - plot.left) / 80));
  const steps = [5, 10, 15, 30, 60, 120, 300, 600].map((s) => s * 1000);
  let choice = steps.findIndex((stepMs) => ticksEvery(stepMs).length <= most);
  if (choice < 0) choice = steps.length - 1;
  if (choice > 0 && ticksEvery(steps[choice]).length < 2) choice -= 1;
  const room = { left: 0, right: width };
  for (const t of ticksEvery(steps[choice])) {
    svg.append(el('svg:line', { class: 'axis', x1: x(t), x2: x(t), y1: plot.bottom, y2: plot.bottom + 4 }));
    label(svg, { class: 'x-tick', x: x(t), y: plot.bottom + 16, 'text-anchor': 'middle' }, clock.format(t), room);
  }
  if (points.length === 0) {
    svg.append(el('svg:text', { class: 'empty', x: (plot.left + plot.right) / 2, y: (plot.top + plot.bottom) / 2, 'text-anchor': 'middle' }, 'waiting for a second reading…'));
    return;
  }
  if (points.length > 1) svg.append(el('svg:path', { class: 'line', d: points.map((p, i) => (i ? 'L' : 'M') + x(p.at) + ',' + y(p.rate)).join(' ') }));
  const last = points[points.length - 1];
  const dot = el('svg:circle', { class: 'dot', cx: x(last.at), cy: y(last.rate), r: 3 });
  dot.append(el('svg:title', {}, clock.format(last.at) + ': ' + count.format(Math.round(last.rate)) + ' events/s'));
  svg.append(dot);
}

/** Cells are text, a node, or { value, num } for a right-aligned number. */
function table(node, head, rows, empty) {
  const header = el('tr');
  for (const h of head) header.append(el('th', h.num ? { class: 'num' } : {}, h.text));
  node.replaceChildren(el('thead'), el('tbody'));
  if (rows.length > 0) node.tHead.append(header);
  if (rows.length === 0) {
    const tr = el('tr');
    tr.append(el('td', { class: 'empty', colspan: head.length }, empty));
    node.tBodies[0].append(tr);
  }
  for (const row of rows) {
    const tr = el('tr');
    row.forEach((cell, i) => {
      const td = el('td', head[i].num ? { class: 'num', 'data-label': head[i].text } : {});
      if (cell instanceof Node) td.append(cell);
      else td.textContent = cell === null || cell === undefined ? '' : String(cell);
      tr.append(td);
    });
    node.tBodies[0].append(tr);
  }
}

function versionCell(h) {
  const cell = el('span', {}, h.version);
  if (h.current) cell.append(el('span', { class: 'tag' }, 'current'));
  if (h.rollbackOf !== null) cell.append(el('div', { class: 'muted' }, 'rollback to ' + h.rollbackOf));
  return cell;
}

function render(data) {
  const summary = document.getElementById('model-version');
  if (data.model) {
    summary.replaceChildren('Model ' + data.model.version + ' · ' + count.format(data.model.clusters) + ' clusters · '
      + count.format(data.model.users) + ' users' + (data.model.builtAt ? ' · built ' : ''));
    if (data.model.builtAt) summary.append(when(data.model.builtAt));
  } else {
    summary.textContent = 'No model yet';
  }
  document.getElementById('no-model').hidden = data.model !== null;
  const points = rates();
  document.getElementById('ingest-rate').textContent = points.length ? count.format(Math.round(points[points.length - 1].rate)) : '–';
  document.getElementById('ingest-total').textContent = count.format(data.ingest.events);
  document.getElementById('dead-letters').textContent = count.format(data.ingest.deadLettered);
  sizesChart(document.getElementById('cluster-sizes-chart'), data.clusters);
  rateChart(document.getElementById('ingest-rate-chart'), points);
  table(document.getElementById('history-table'),
    [{ text: 'version' }, { text: 'built' }, { text: 'clusters', num: true }, { text: 'users', num: true }, { text: 'inertia', num: true }, { text: 'build s', num: true }],
    data.history.slice().reverse().map((h) => [
      versionCell(h), h.builtAt ? when(h.builtAt) : '', h.clusters === null ? '' : count.format(h.clusters),
      h.users === null ? '' : count.format(h.users), h.inertia === null ? '' : h.inertia.toFixed(1),
      h.buildSeconds === null ? '' : h.buildSeconds.toFixed(3),
    ]), 'no model published yet');
  table(document.getElementById('clusters-table'), [{ text: 'cluster', num: true }, { text: 'users', num: true }, { text: 'favourite movies' }],
    data.clusters.map((c) => [c.id, count.format(c.size), c.topMovies.map((m) => (m.title || 'movie ' + m.movieId) + ' (' + m.favourites + ')').join(' · ')]),
    'no clusters until a model is built');
}

/** A failed poll, told the way the server explained it. */
class Unavailable extends Error {
  constructor(message, detail) { super(message); this.detail = detail; }
}

async function read() {
  // Relative to the page, with or without a trailing slash, so a path prefix in front works.
  const base = location.pathname.endsWith('/') ? location.pathname : location.pathname + '/';
  let response;
  try {
    response = await fetch(base + 'data', { cache: 'no-store' });
  } catch (error) {
    throw new Unavailable('the query service cannot be reached', String(error && error.message));
  }
  if (!response.ok) {
    // Errors leave the server as { message, errors? }; a proxy in between may answer otherwise.
    const body = await response.json().catch(() => null);
    const message = body && typeof body.message === 'string' ? body.message : 'the dashboard data could not be read';
    throw new Unavailable(message, 'HTTP ' + response.status);
  }
  return response.json();
}

function showProblem(error) {
  failures += 1;
  document.getElementById('error-message').textContent = error.message;
  document.getElementById('error-detail').textContent = [
    error.detail,
    'retrying every ' + POLL_MS / 1000 + ' s',
    latest ? 'showing data from ' + clock.format(samples[samples.length - 1].at) : 'no data yet',
  ].filter(Boolean).join(' · ');
  document.getElementById('error-banner').hidden = false;
  document.body.classList.toggle('stale', latest !== null);
  document.body.dataset.failed = String(failures);
}

async function refresh() {
  const data = await read();
  samples.push({ at: Date.parse(data.at), events: data.ingest.events });
  if (samples.length > MAX_SAMPLES) samples.shift();
  latest = data;
  render(data);
  document.getElementById('error-banner').hidden = true;
  document.body.classList.remove('stale');
  document.body.dataset.refreshed = String((Number(document.body.dataset.refreshed) || 0) + 1);
}

async function loop() {
  try { await refresh(); } catch (error) { showProblem(error); }
  setTimeout(loop, POLL_MS);
}

let resizing;
window.addEventListener('resize', () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => { if (latest) render(latest); }, 100);
});
loop();
</script>
</body>
</html>
`;
