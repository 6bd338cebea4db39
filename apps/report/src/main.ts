import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseArguments, runCli } from '@app/cli';
import {
  buildRatingMatrix,
  chooseK,
  formatKScore,
  K_SCORE_HEADER,
  normalizeRows,
} from '@app/clustering';
import {
  clusterHeatmaps,
  evaluate,
  EVALUATION_OPTIONS,
  EVALUATION_OPTIONS_USAGE,
  evaluationArgsSchema,
  evaluationSettingsOf,
  loadEvaluationData,
  summarizeEvaluation,
} from '@app/evaluation';
import { MovieLensFileError } from '@app/movielens';
import { DEFAULT_MODEL_SETTINGS } from '@app/recluster';
import { renderReportPage } from './report-page';

const DEFAULT_K_RANGE: [number, number] = [2, 30];

const USAGE = `Usage: npm run report -- --ratings FILE [--test FILE] --out FILE.html [options]

Writes one self-contained HTML file (inline SVG, nothing fetched when viewed): the elbow curve
(inertia per k) and the silhouette per k over --k-range, the cluster sizes before and after the
tiny-cluster merge, heatmaps of the largest clusters' most active users x most rated movies, and
the metrics of the four methods (as npm run evaluate) for the model at --k.

Options:
  --out FILE.html         where to write the report
${EVALUATION_OPTIONS_USAGE}
  --sample N              users in the silhouette sample (default 1000)

Here --k-range is the ks of the curves (default ${DEFAULT_K_RANGE.join(':')}) and --k the model evaluated
(default ${DEFAULT_MODEL_SETTINGS.k}).

Progress goes to stderr; the last stdout line is JSON {out, k, elbowK, bestSilhouetteK, methods}.`;

const reportArgsSchema = evaluationArgsSchema.extend({
  out: z.string({ error: 'required (the HTML file to write)' }).min(1),
  sample: z.coerce.number().int().min(2).default(1000),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { ...EVALUATION_OPTIONS, out: { type: 'string' }, sample: { type: 'string' } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const args = parseArguments(reportArgsSchema, values);

  process.stderr.write(`reading ${args.ratings}${args.test ? ` and ${args.test}` : ''}\n`);
  const data = await loadEvaluationData(args);
  const settings = evaluationSettingsOf(args, args.k ?? DEFAULT_MODEL_SETTINGS.k);

  // The curves score the same matrix the model builder clusters, as choose-k does.
  const { matrix } = buildRatingMatrix(data.train, { values: args.values });
  if (settings.model.normalize) normalizeRows(matrix);
  process.stderr.write(K_SCORE_HEADER);
  const { scores, elbowK, bestSilhouetteK } = await chooseK(
    matrix,
    args['k-range'] ?? DEFAULT_K_RANGE,
    {
      seed: args.seed,
      restarts: args.restarts,
      silhouetteSample: args.sample,
      ...(args.threads === undefined ? {} : { threads: args.threads }),
      onScore: (score) => process.stderr.write(formatKScore(score)),
    },
  );

  process.stderr.write(`evaluating the model at k = ${settings.model.k}\n`);
  const evaluation = await evaluate(data, settings);
  const summary = summarizeEvaluation(evaluation, data.users);
  const page = renderReportPage({
    description: [
      ['ratings', args.ratings],
      ['test', args.test ?? `seeded per-user 80/20 split (seed ${args.seed})`],
      ['model', JSON.stringify(settings.model)],
      ['shrinkage', JSON.stringify(settings.shrinkage)],
    ],
    scores,
    elbowK,
    summary,
    heatmaps: clusterHeatmaps(data.train, evaluation.model.assignments),
    assignments: evaluation.model.assignments,
    movies: data.movies,
    users: data.users,
  });
  await writeFile(args.out, page);
  process.stdout.write(
    `${JSON.stringify({
      out: args.out,
      k: summary.k,
      elbowK,
      bestSilhouetteK,
      methods: summary.methods,
    })}\n`,
  );
}

runCli(main, USAGE, [MovieLensFileError]);
