import { Command, option, progressBar } from '@app/cli';
import { DEFAULT_MODEL_SETTINGS } from '@app/clustering';
import {
  evaluate,
  evaluationOptions,
  evaluationSettingsOf,
  type EvaluationSummary,
  ksOf,
  loadEvaluationData,
  summarizeEvaluation,
} from '@app/evaluation';
import { MovieLensFileError } from '@app/movielens';

const command = new Command({
  synopsis: 'npm run evaluate -- --ratings FILE [--test FILE] [--k N | --k-range A:B] [options]',
  summary: `Trains the production model on the training ratings (k-means over the user x movie matrix, the
tiny-cluster merge, the cluster aggregates and rankings the services use) and scores four methods
on the held-out ratings: cluster (the recommender), globalMean, movieMean and popularity.`,
  options: {
    ...evaluationOptions,
    'k-range': option.range('every k from A to B, inclusive; the best (lowest RMSE) is reported'),
  },
  check: (args) =>
    args['k-range'] !== undefined && args.k !== undefined
      ? 'give --k or --k-range, not both'
      : undefined,
  notes: `Metrics: rmse, mae; top5pctMeanRating (per user, the mean true rating of the 5% of held-out movies
predicted highest, averaged over users); precision10, recall10, ndcg10 against held-out favourites
(test ratings >= 4 of movies unrated in training); coverage (share of the training catalogue in
any list). globalMean and movieMean recommend nothing, so have no ranking metrics.

Progress goes to stderr. The last stdout line is JSON {methods: {cluster: {...}, globalMean:
{...}, movieMean: {...}, popularity: {...}}, k, clusters, ...}; with --k-range, the best k's
(lowest cluster RMSE) with perK: [{k, clusters, methods}] for every k.`,
});

command.run(
  async (args) => {
    process.stderr.write(`reading ${args.ratings}${args.test ? ` and ${args.test}` : ''}\n`);
    const data = await loadEvaluationData(args);
    const ks = args['k-range'] ? ksOf(args['k-range']) : [args.k ?? DEFAULT_MODEL_SETTINGS.k];

    process.stderr.write('   k  clusters  cluster RMSE  NDCG@10  popularity NDCG@10  seconds\n');
    const summaries: EvaluationSummary[] = [];
    for (const k of ks) {
      const bar = progressBar(`k = ${k}`, ' users');
      const evaluation = await evaluate(data, evaluationSettingsOf(args, k), {
        onProgress: (users, total) => {
          if (users === 1) bar.start(total, 0);
          bar.update(users);
        },
      });
      bar.stop();
      const summary = summarizeEvaluation(evaluation, data.users);
      summaries.push(summary);
      const { cluster, popularity } = summary.methods;
      process.stderr.write(
        `${String(k).padStart(4)} ${String(summary.clusters).padStart(9)} ${format(cluster.rmse, 13)} ${format(cluster.ndcg10, 8)} ${format(popularity.ndcg10, 19)} ${summary.seconds.toFixed(2).padStart(8)}\n`,
      );
    }
    const best = summaries.reduce((a, s) =>
      (s.methods.cluster.rmse ?? Infinity) < (a.methods.cluster.rmse ?? Infinity) ? s : a,
    );
    const result = {
      ...best,
      split: data.split,
      settings: evaluationSettingsOf(args, best.k),
      ...(ks.length > 1
        ? {
            bestK: best.k,
            perK: summaries.map(({ k, clusters, sizesAfter, methods }) => ({
              k,
              clusters,
              sizesAfter,
              methods,
            })),
          }
        : {}),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  },
  [MovieLensFileError],
);

const format = (value: number | undefined, width: number): string =>
  (value === undefined ? '-' : value.toFixed(4)).padStart(width);
