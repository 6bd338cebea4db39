import { writeFile } from 'node:fs/promises';
import { Command, option, rangeWithinData } from '@app/cli';
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
  evaluationOptions,
  evaluationSettingsOf,
  kGridOf,
  loadEvaluationData,
  mergedClustersNote,
  profilesOf,
  summarizeEvaluation,
} from '@app/evaluation';
import { MovieLensFileError } from '@app/movielens';
import { renderReportPage } from './report-page';

const DEFAULT_K_RANGE = [2, 30] as const;

const command = new Command({
  synopsis: 'npm run report -- --ratings FILE [--test FILE] --out FILE.html [options]',
  summary: `Writes one self-contained HTML file (inline SVG, nothing fetched when viewed): the elbow curve
(inertia per k) and the silhouette per k over --k-range, the cluster sizes before and after the
tiny-cluster merge, heatmaps of the largest clusters' most active users x most rated movies, what
was tuned on validation ratings, and the metrics of every method (as npm run evaluate) for the
model at --k (default: k chosen on validation ratings).`,
  options: {
    out: option.outputFile('where to write the report', { value: 'FILE.html' }),
    ...evaluationOptions,
    'k-range': option.range('the ks of the elbow and silhouette curves', {
      defaultValue: DEFAULT_K_RANGE,
    }),
    sample: option.int('users in the silhouette sample', { min: 2, defaultValue: 1000 }),
  },
  notes:
    'Progress goes to stderr; the last stdout line is JSON {out, k, elbowK, bestSilhouetteK, tuned, methods}.',
});

command.run(
  async (args) => {
    process.stderr.write(`reading ${args.ratings}${args.test ? ` and ${args.test}` : ''}\n`);
    const data = await loadEvaluationData(args);
    const settings = evaluationSettingsOf(args, kGridOf({ k: args.k }, data.train, note));

    // The curves score the same matrix the model builder clusters, as choose-k does.
    const { matrix } = buildRatingMatrix(data.train, settings.model);
    if (settings.model.normalize) normalizeRows(matrix);
    const ks = rangeWithinData(
      'k-range',
      args['k-range'],
      { limit: matrix.rows, what: 'users in the training ratings' },
      note,
    );
    process.stderr.write(K_SCORE_HEADER);
    const { scores, elbowK, bestSilhouetteK } = await chooseK(matrix, ks, {
      seed: args.seed,
      restarts: args.restarts,
      silhouetteSample: args.sample,
      ...(args.threads === undefined ? {} : { threads: args.threads }),
      onScore: (score) => process.stderr.write(formatKScore(score)),
    });

    const evaluation = await evaluate(
      { ...data, profiles: data.users && profilesOf(data.users) },
      settings,
      { onStage: (stage) => process.stderr.write(`${stage}\n`) },
    );
    const summary = summarizeEvaluation(evaluation, data.users);
    const merged = mergedClustersNote(summary, args['min-cluster-size']);
    if (merged !== undefined) note(merged);
    const page = renderReportPage({
      description: [
        ['ratings', args.ratings],
        ['test', args.test ?? `seeded per-user 80/20 split (seed ${args.seed})`],
        ['model', JSON.stringify(evaluation.settings.model)],
        ['shrinkage', JSON.stringify(evaluation.settings.shrinkage)],
        ['als', JSON.stringify(evaluation.settings.als)],
        ['itemKnn', JSON.stringify(evaluation.settings.itemKnn)],
        ['bias', JSON.stringify(evaluation.settings.bias)],
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
        tuned: summary.tuned,
        methods: summary.methods,
      })}\n`,
    );
  },
  [MovieLensFileError],
);

const note = (message: string): void => {
  process.stderr.write(`${message}\n`);
};
