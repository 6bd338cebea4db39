import { Command, option, rangeWithinData } from '@app/cli';
import {
  buildRatingMatrix,
  chooseK,
  DEFAULT_MODEL_SETTINGS,
  formatKScore,
  K_SCORE_HEADER,
  MATRIX_VALUES,
  normalizeRows,
} from '@app/clustering';
import { MovieLensFileError, readRatingColumns } from '@app/movielens';

const command = new Command({
  synopsis: 'npm run choose-k -- --ratings FILE [--k-range A:B] [options]',
  summary: `Clusters the users of a MovieLens ratings file for every k in a range and scores each k by
inertia (for the elbow) and by the silhouette of a seeded sample of users.`,
  options: {
    ratings: option.required('ratings.csv, u.data or ratings.dat', { value: 'FILE' }),
    'k-range': option.range('the ks to try, inclusive', { defaultValue: [2, 30] }),
    values: option.choice(MATRIX_VALUES, 'how ratings become matrix values', {
      defaultValue: DEFAULT_MODEL_SETTINGS.values,
    }),
    'no-normalize': option.flag(
      "keep each user's row as it is (default: unit length, as the worker)",
    ),
    seed: option.int('seed', { defaultValue: DEFAULT_MODEL_SETTINGS.seed }),
    restarts: option.int('k-means++ starts per k', {
      min: 1,
      max: 100,
      defaultValue: DEFAULT_MODEL_SETTINGS.restarts,
    }),
    sample: option.int('users in the silhouette sample', { min: 2, defaultValue: 1000 }),
  },
  notes: `A table goes to stderr; the last stdout line is JSON {scores: [{k, inertia, silhouette}],
elbowK, bestSilhouetteK}.`,
});

command.run(
  async (args) => {
    const { matrix } = buildRatingMatrix(await readRatingColumns(args.ratings), {
      values: args.values,
      favouriteMinRating: DEFAULT_MODEL_SETTINGS.favouriteMinRating,
    });
    if (!args['no-normalize']) normalizeRows(matrix);
    // k-means cannot form more clusters than there are users.
    const ks = rangeWithinData(
      'k-range',
      args['k-range'],
      { limit: matrix.rows, what: `users in ${args.ratings}` },
      (message) => process.stderr.write(`${message}\n`),
    );
    process.stderr.write(K_SCORE_HEADER);
    const { scores, elbowK, bestSilhouetteK } = await chooseK(matrix, ks, {
      seed: args.seed,
      restarts: args.restarts,
      silhouetteSample: args.sample,
      onScore: (score) => process.stderr.write(formatKScore(score)),
    });
    const result = {
      scores: scores.map(({ k, inertia, silhouette }) => ({ k, inertia, silhouette })),
      elbowK,
      bestSilhouetteK,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  },
  [MovieLensFileError],
);
