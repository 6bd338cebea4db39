/**
 * The live dashboard: one self-contained page (no external scripts or styles) that polls
 * /dashboard/data and draws the model, its clusters, ingestion and the recluster history.
 * Text from the data goes in through textContent only, never as markup.
 */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Movie recommender</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2430; background: #f7f8fa; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 15px; margin: 0 0 8px; }
  .muted { color: #667085; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
  .card { background: #fff; border: 1px solid #e4e7ec; border-radius: 8px; padding: 16px; }
  .stats { display: flex; gap: 32px; margin: 16px 0; }
  .stat b { display: block; font-size: 22px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eef0f3; vertical-align: top; }
  svg text { font-size: 11px; fill: #475467; }
  .bar { fill: #3e7bfa; }
  .line { fill: none; stroke: #12b76a; stroke-width: 2; }
  .axis { stroke: #d0d5dd; }
</style>
</head>
<body>
<h1>Movie recommender</h1>
<div class="muted" id="model-version">loading…</div>
<div class="stats">
  <div class="stat"><b id="ingest-rate">–</b>events/s ingested</div>
  <div class="stat"><b id="ingest-total">–</b>events ingested</div>
  <div class="stat"><b id="dead-letters">–</b>dead-lettered</div>
</div>
<div class="grid">
  <div class="card"><h2>Cluster sizes</h2><svg id="cluster-sizes-chart" width="100%" height="220"></svg></div>
  <div class="card"><h2>Ingest rate (events/s)</h2><svg id="ingest-rate-chart" width="100%" height="220"></svg></div>
  <div class="card"><h2>Clusters and their favourite movies</h2><table id="clusters-table"></table></div>
  <div class="card"><h2>Recluster history</h2><table id="history-table"></table></div>
</div>
<script>
const NS = 'http://www.w3.org/2000/svg';
const samples = [];

function el(tag, attrs, text) {
  const node = tag.startsWith('svg:') ? document.createElementNS(NS, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function barChart(svg, values, label) {
  svg.replaceChildren();
  const width = svg.clientWidth || 400, height = 220, pad = 28;
  const max = Math.max(1, ...values);
  const step = (width - pad) / Math.max(1, values.length);
  svg.append(el('svg:line', { class: 'axis', x1: pad, y1: height - pad, x2: width, y2: height - pad }));
  values.forEach((value, i) => {
    const h = ((height - 2 * pad) * value) / max;
    const bar = el('svg:rect', { class: 'bar', x: pad + i * step + 2, y: height - pad - h, width: Math.max(1, step - 4), height: h });
    bar.append(el('svg:title', {}, label(i) + ': ' + value));
    svg.append(bar);
    if (values.length <= 40) svg.append(el('svg:text', { x: pad + i * step + step / 2, y: height - pad + 14, 'text-anchor': 'middle' }, i));
  });
  svg.append(el('svg:text', { x: 2, y: pad }, max));
}

function lineChart(svg, points) {
  svg.replaceChildren();
  const width = svg.clientWidth || 400, height = 220, pad = 28;
  const max = Math.max(1, ...points);
  svg.append(el('svg:line', { class: 'axis', x1: pad, y1: height - pad, x2: width, y2: height - pad }));
  svg.append(el('svg:text', { x: 2, y: pad }, Math.round(max)));
  if (points.length < 2) return;
  const x = (i) => pad + ((width - pad) * i) / (points.length - 1);
  const y = (v) => height - pad - ((height - 2 * pad) * v) / max;
  svg.append(el('svg:path', { class: 'line', d: points.map((v, i) => (i ? 'L' : 'M') + x(i) + ',' + y(v)).join(' ') }));
}

function table(node, head, rows) {
  node.replaceChildren(el('tr'));
  for (const h of head) node.firstChild.append(el('th', {}, h));
  for (const row of rows) {
    const tr = el('tr');
    for (const cell of row) tr.append(el('td', {}, cell));
    node.append(tr);
  }
}

async function refresh() {
  // Relative to the page, with or without a trailing slash, so a path prefix in front works.
  const base = location.pathname.endsWith('/') ? location.pathname : location.pathname + '/';
  const response = await fetch(base + 'data');
  if (!response.ok) throw new Error('dashboard data: HTTP ' + response.status);
  const data = await response.json();
  samples.push({ at: Date.parse(data.at), events: data.ingest.events });
  if (samples.length > 61) samples.shift();
  const rates = samples.slice(1).map((s, i) => Math.max(0, (s.events - samples[i].events) / Math.max(0.001, (s.at - samples[i].at) / 1000)));
  document.getElementById('model-version').textContent = data.model
    ? 'Model ' + data.model.version + ' · ' + data.model.clusters + ' clusters · ' + data.model.users + ' users · built ' + data.model.builtAt
    : 'No model yet: the first recluster has not run';
  document.getElementById('ingest-rate').textContent = rates.length ? Math.round(rates[rates.length - 1]) : '–';
  document.getElementById('ingest-total').textContent = data.ingest.events;
  document.getElementById('dead-letters').textContent = data.ingest.deadLettered;
  barChart(document.getElementById('cluster-sizes-chart'), data.clusters.map((c) => c.size), (i) => 'cluster ' + i);
  lineChart(document.getElementById('ingest-rate-chart'), rates);
  table(document.getElementById('clusters-table'), ['cluster', 'users', 'favourite movies'],
    data.clusters.map((c) => [c.id, c.size, c.topMovies.map((m) => (m.title || 'movie ' + m.movieId) + ' (' + m.favourites + ')').join(' · ')]));
  table(document.getElementById('history-table'), ['version', 'built', 'clusters', 'users', 'inertia', 'build s'],
    data.history.slice().reverse().map((h) => [
      h.version + (h.current ? ' (current)' : '') + (h.rollbackOf ? ' rollback of ' + h.rollbackOf : ''),
      h.builtAt || '', h.clusters ?? '', h.users ?? '', h.inertia === null ? '' : h.inertia.toFixed(1), h.buildSeconds ?? '',
    ]));
  document.body.dataset.refreshed = String(samples.length);
}

async function loop() {
  try { await refresh(); } catch (error) { document.getElementById('model-version').textContent = String(error); }
  setTimeout(loop, 2000);
}
loop();
</script>
</body>
</html>
`;
