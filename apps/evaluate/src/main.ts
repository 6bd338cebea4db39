import { Command, option, progressBar } from '@app/cli';
import {
  DEFAULT_GRIDS,
  evaluate,
  evaluationOptions,
  evaluationSettingsOf,
  kGridOf,
  loadEvaluationData,
  mergedClustersNote,
  METHODS,
  profilesOf,
  summarizeEvaluation,
  tunedSettings,
} from '@app/evaluation';
import { MovieLensFileError } from '@app/movielens';

const command = new Command({
  synopsis: 'npm run evaluate -- --ratings FILE [--test FILE] [--k N | --k-range A:B] [options]',
  summary: `Chooses every method's settings on a validation split carved out of the training ratings, trains
each method with them on all the training ratings and scores it once on the held-out ratings:
cluster (the production path: k-means, the tiny-cluster merge, the aggregates and rankings the
services use), als, mostFavoured, itemKnn, bias, topRated, globalMean and movieMean.`,
  options: {
    ...evaluationOptions,
    'k-range': option.range(
      `the k grid: every k from A to B (default ${DEFAULT_GRIDS.k.join(', ')}), chosen by validation NDCG@10`,
    ),
  },
  check: (args) =>
    args['k-range'] !== undefined && args.k !== undefined
      ? 'give --k or --k-range, not both'
      : undefined,
  notes: `Tuning: 20% of each user's training ratings (seeded by --seed) are held out as validation ratings;
settings that decide lists (k, ALS and bias settings for lists, itemKnn neighbours) are chosen by
validation NDCG@10, settings that decide predictions (the shrinkage prior weights, ALS and bias
settings for predictions) by validation RMSE. The test ratings are read only to score the chosen
settings. --k, --prior-weight and --cluster-prior-weight fix a setting instead. No k may exceed
the users of the training ratings: a --k above them stops evaluate, and the ks of a grid above
them are left out, as stderr says; so does a tiny-cluster merge that leaves fewer than k.

Metrics: rmse, mae; top5pctMeanRating (per user, the mean true rating of the 5% of held-out movies
predicted highest, averaged over users); precision10, recall10, ndcg10 against held-out favourites
(test ratings >= 4 of movies unrated in training); coverage (share of the training catalogue in
any list). Methods that predict nothing (itemKnn) have no rating metrics; methods that recommend
nothing (globalMean, movieMean) have no ranking metrics.

Progress goes to stderr. The last stdout line is JSON {methods: {cluster: {...}, als: {...}, ...},
tuned: {k: {grid, scores, chosen, by}, ...}, settings, k, clusters, ...}; with --cold-start also
coldStart: {coldUsers, runs: [{kept, users, methods, placements}]}.`,
});

command.run(
  async (args) => {
    process.stderr.write(`reading ${args.ratings}${args.test ? ` and ${args.test}` : ''}\n`);
    const data = await loadEvaluationData(args);
    const kGrid = kGridOf(args, data.train, note);
    const bar = progressBar('test users', ' users');
    const evaluation = await evaluate(
      { ...data, profiles: data.users && profilesOf(data.users) },
      evaluationSettingsOf(args, kGrid),
      {
        onStage: (stage) => process.stderr.write(`${stage}\n`),
        onProgress: (users, total) => {
          if (users === 1) bar.start(total, 0);
          bar.update(users);
          if (users === total) bar.stop();
        },
      },
    );
    const summary = summarizeEvaluation(evaluation, data.users);
    const merged = mergedClustersNote(summary, args['min-cluster-size']);
    if (merged !== undefined) note(merged);
    for (const [name, setting] of tunedSettings(summary.tuned)) {
      process.stderr.write(
        `${name}: ${JSON.stringify(setting.chosen)} by ${setting.by} from ${JSON.stringify(setting.grid)}\n`,
      );
    }
    process.stderr.write('method         RMSE  NDCG@10\n');
    for (const method of METHODS) {
      const { rmse, ndcg10 } = summary.methods[method];
      process.stderr.write(`${method.padEnd(12)} ${format(rmse, 7)} ${format(ndcg10, 8)}\n`);
    }
    process.stderr.write(
      `${summary.seconds.toFixed(2)} s (tuning ${summary.secondsTuning.toFixed(2)} s)\n`,
    );
    process.stdout.write(`${JSON.stringify({ ...summary, split: data.split })}\n`);
  },
  [MovieLensFileError],
);

const note = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

const format = (value: number | undefined, width: number): string =>
  (value === undefined ? '-' : value.toFixed(4)).padStart(width);
