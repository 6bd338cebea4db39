import { type KScore } from '@app/clustering';
import {
  COLD_START_METHODS,
  type ClusterHeatmap,
  type ColdStartResult,
  type EvaluationSummary,
  type Method,
  METHODS,
  type MethodScores,
  type Tuned,
  tunedSettings,
} from '@app/evaluation';
import { type Movie, type MovieLensUser } from '@app/movielens';
import { barChart, escapeHtml, heatmap, lineChart } from './svg-charts';

export interface ReportContent {
  /** What was evaluated: file names and settings, shown as given. */
  description: readonly [label: string, value: string][];
  scores: readonly Pick<KScore, 'k' | 'inertia' | 'silhouette'>[];
  elbowK: number | undefined;
  summary: EvaluationSummary;
  heatmaps: readonly ClusterHeatmap[];
  /** userId -> cluster, for the profiles of the heatmaps' clusters. */
  assignments: ReadonlyMap<number, number>;
  movies: ReadonlyMap<number, Movie> | undefined;
  users: ReadonlyMap<number, MovieLensUser> | undefined;
}

const METRICS: readonly [keyof MethodScores, string][] = [
  ['rmse', 'RMSE'],
  ['mae', 'MAE'],
  ['top5pctMeanRating', 'top 5% mean rating'],
  ['precision10', 'precision@10'],
  ['recall10', 'recall@10'],
  ['ndcg10', 'NDCG@10'],
  ['coverage', 'coverage'],
];

/** The whole report as one HTML file: styles and charts inline, nothing fetched when viewed. */
export function renderReportPage(content: ReportContent): string {
  const { summary, scores } = content;
  const sorted = (sizes: readonly number[]) => [...sizes].sort((a, b) => b - a);
  const sections = [
    `<h1>Clustering and recommendation report</h1>`,
    `<dl class="description">${content.description.map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`,
    `<h2>Choosing k</h2>`,
    `<p>k-means over the training ratings for every k; the model evaluated below uses k = ${summary.k}${scores.some(({ k }) => k === summary.k) ? ' (dashed line)' : ''}${content.elbowK === undefined ? '' : `; the elbow of the inertia curve is at k = ${content.elbowK}`}.</p>`,
    `<div class="charts">`,
    lineChart(
      scores.map(({ k, inertia }) => ({ x: k, y: inertia })),
      {
        id: 'elbow-chart',
        title: 'Elbow: inertia per k',
        xLabel: 'k',
        yLabel: 'inertia',
        markX: summary.k,
      },
    ),
    lineChart(
      scores.map(({ k, silhouette }) => ({ x: k, y: silhouette })),
      {
        id: 'silhouette-chart',
        title: 'Silhouette per k (seeded sample of users)',
        xLabel: 'k',
        yLabel: 'silhouette',
        markX: summary.k,
      },
    ),
    `</div>`,
    `<h2>Cluster sizes</h2>`,
    `<p>${summary.sizesBefore.length} k-means clusters; after merging clusters below the minimum size, ${summary.clusters}.</p>`,
    barChart(
      [
        { name: 'k-means', values: sorted(summary.sizesBefore), colour: '#9aa9c4' },
        { name: 'after merge', values: sorted(summary.sizesAfter), colour: '#2d5fa8' },
      ],
      {
        id: 'sizes-chart',
        title: 'Cluster sizes, largest first',
        xLabel: 'cluster (by size)',
        yLabel: 'users',
      },
    ),
    content.users === undefined ? '' : profilesTable(content),
    `<h2>Largest clusters: most active users x most rated movies</h2>`,
    `<p>Colour is the rating (0.5-5); blank is a movie the user did not rate.</p>`,
    content.heatmaps
      .map(
        (map) =>
          `<figure><figcaption>Cluster ${map.cluster}: ${map.size} users</figcaption>${heatmap({
            title: `Cluster ${map.cluster}`,
            rowLabels: map.userIds.map((id) => `user ${id}`),
            columnLabels: map.movieIds.map((id) => content.movies?.get(id)?.title ?? `movie ${id}`),
            values: map.ratings,
            min: 0.5,
            max: 5,
          })}</figure>`,
      )
      .join(''),
    `<h2>Settings chosen on validation ratings</h2>`,
    `<p>${summary.validationRatings} validation ratings (20% of each user's training ratings, seeded) were held out of the training ratings; each setting below was chosen on them, lists by NDCG@10 and predictions by RMSE, and every method was then trained with the chosen settings on all ${summary.trainRatings} training ratings. The test ratings were scored once.</p>`,
    tunedTable(summary.tuned),
    `<h2>Metrics</h2>`,
    `<p>${summary.testRatings} held-out ratings of ${summary.testUsers} users (${summary.coldUsers} without training ratings); ${summary.trainRatings} training ratings over ${summary.catalogue} movies. Ranking metrics count test ratings of at least 4 as the relevant movies; "-": the method predicts or recommends nothing.</p>`,
    metricsTable(summary.methods),
    summary.coldStart === undefined ? '' : coldStartTable(summary.coldStart),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Clustering and recommendation report</title>
<style>${STYLE}</style>
</head>
<body>
${sections.join('\n')}
</body>
</html>
`;
}

function metricsTable(methods: Record<Method, MethodScores>): string {
  const head = `<tr><th>method</th>${METRICS.map(([, label]) => `<th>${label}</th>`).join('')}</tr>`;
  const rows = METHODS.map(
    (method) =>
      `<tr><th>${method}</th>${METRICS.map(([key]) => {
        const value = methods[method][key];
        return `<td>${value === undefined ? '-' : value.toFixed(4)}</td>`;
      }).join('')}</tr>`,
  ).join('');
  return `<table id="metrics-table"><thead>${head}</thead><tbody>${rows}</tbody></table>`;
}

function tunedTable(tuned: Tuned): string {
  const rows = tunedSettings(tuned).map(
    ([name, setting]) =>
      `<tr><th>${name}</th><td>${escapeHtml(JSON.stringify(setting.chosen))}</td><td>${setting.by}</td><td>${setting.grid
        .map(
          (value, i) =>
            `${escapeHtml(JSON.stringify(value))}: ${setting.scores[i]?.toFixed(4) ?? '-'}`,
        )
        .join('<br>')}</td></tr>`,
  );
  return `<table id="tuned-table"><thead><tr><th>setting</th><th>chosen</th><th>by</th><th>grid: validation score</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** New users: each method's scores when a user has given 0, 1, 3 or 5 ratings. */
function coldStartTable(coldStart: ColdStartResult): string {
  const head = `<tr><th>ratings kept</th><th>users</th>${COLD_START_METHODS.map((method) => `<th>${method} RMSE</th><th>${method} NDCG@10</th>`).join('')}</tr>`;
  const cell = (value: number | undefined) =>
    `<td>${value === undefined ? '-' : value.toFixed(4)}</td>`;
  const rows = coldStart.runs.map(
    (run) =>
      `<tr><th>${run.kept}</th><td>${run.users}</td>${COLD_START_METHODS.map((method) => cell(run.methods[method].rmse) + cell(run.methods[method].ndcg10)).join('')}</tr>`,
  );
  return `<h2>Cold start</h2><p>${coldStart.coldUsers} users with test ratings were made new: every method was trained without their training ratings, then given 0, 1, 3 or 5 of them (seeded). The cluster method places them as production does (nearest centre, else their demographic group's cluster, else the largest).</p><table id="cold-start-table"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Who is in the largest clusters, when demographics were given. */
function profilesTable(content: ReportContent): string {
  const users = content.users;
  if (users === undefined) return '';
  const rows = content.heatmaps.map((map) => {
    const members = [...content.assignments]
      .filter(([, cluster]) => cluster === map.cluster)
      .flatMap(([id]) => users.get(id) ?? []);
    const share = (test: (user: MovieLensUser) => boolean) =>
      members.length === 0
        ? '-'
        : `${Math.round((100 * members.filter(test).length) / members.length)}%`;
    const meanAge =
      members.length === 0
        ? '-'
        : (members.reduce((a, u) => a + u.age, 0) / members.length).toFixed(1);
    const occupations = new Map<string, number>();
    for (const { occupation } of members) {
      occupations.set(occupation, (occupations.get(occupation) ?? 0) + 1);
    }
    const top = [...occupations]
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .slice(0, 3)
      .map(([name, n]) => `${name} (${n})`)
      .join(', ');
    return `<tr><td>${map.cluster}</td><td>${members.length}</td><td>${share((u) => u.gender === 'F')}</td><td>${meanAge}</td><td>${escapeHtml(top)}</td></tr>`;
  });
  return `<h3>Who is in the largest clusters</h3><table id="clusters-table"><thead><tr><th>cluster</th><th>users with a profile</th><th>women</th><th>mean age</th><th>top occupations</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1400px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
.description { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
.description dt { font-weight: 600; } .description dd { margin: 0; font-family: monospace; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
svg text { font-size: 11px; fill: #333; }
svg .chart-title { font-size: 13px; font-weight: 600; text-anchor: middle; }
svg .axis-label { text-anchor: middle; } svg .tick-x { text-anchor: middle; } svg .tick-y { text-anchor: end; }
svg .axes line { stroke: #555; } svg .gridline { stroke: #eee; }
svg .line { fill: none; stroke: #2d5fa8; stroke-width: 2; } svg .dots circle { fill: #2d5fa8; }
svg .mark { stroke: #c0392b; stroke-dasharray: 4 3; }
.heatmap .grid { fill: #fff; stroke: #ccc; } .heatmap .row { text-anchor: end; }
figure { margin: 1em 0; overflow-x: auto; } figcaption { font-weight: 600; }
table { border-collapse: collapse; margin: 1em 0; } th, td { border: 1px solid #ddd; padding: 4px 10px; }
td { text-align: right; font-variant-numeric: tabular-nums; } thead th { background: #f4f6fa; }
`;
