import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseArguments, runCli } from '@app/cli';
import {
  buildRatingMatrix,
  chooseK,
  formatKScore,
  K_SCORE_HEADER,
  MATRIX_VALUES,
  normalizeRows,
} from '@app/clustering';
import { MovieLensFileError, readRatingColumns } from '@app/movielens';

const USAGE = `Usage: npm run choose-k -- --ratings FILE [--k-range A:B] [options]

Clusters the users of a MovieLens ratings file for every k in a range and scores each k by
inertia (for the elbow) and by the silhouette of a seeded sample of users.

Options:
  --ratings FILE     ratings.csv, u.data or ratings.dat
  --k-range A:B      the ks to try, inclusive (default 2:30)
  --values V         centred | raw | binary | favourites (default centred)
  --no-normalize     keep each user's row as it is (default: unit length, as the worker)
  --seed S           seed (default 1)
  --restarts N       k-means++ starts per k (default 3)
  --sample N         users in the silhouette sample (default 1000)
  -h, --help         show this help

A table goes to stderr; the last stdout line is JSON {scores: [{k, inertia, silhouette}],
elbowK, bestSilhouetteK}.`;

const argsSchema = z.object({
  ratings: z.string({ error: '--ratings FILE is required' }),
  'k-range': z
    .string()
    .regex(/^\d+:\d+$/, 'expected A:B')
    .default('2:30')
    .transform((range) => range.split(':').map(Number) as [number, number])
    .refine(([a, b]) => a >= 1 && a <= b, 'expected 1 <= A <= B'),
  values: z.enum(MATRIX_VALUES).default('centred'),
  'no-normalize': z.boolean().default(false),
  seed: z.coerce.number().int().nonnegative().default(1),
  restarts: z.coerce.number().int().positive().default(3),
  sample: z.coerce.number().int().min(2).default(1000),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ratings: { type: 'string' },
      'k-range': { type: 'string' },
      values: { type: 'string' },
      'no-normalize': { type: 'boolean' },
      seed: { type: 'string' },
      restarts: { type: 'string' },
      sample: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const args = parseArguments(argsSchema, values);
  const { matrix } = buildRatingMatrix(await readRatingColumns(args.ratings), {
    values: args.values,
  });
  if (!args['no-normalize']) normalizeRows(matrix);
  process.stderr.write(K_SCORE_HEADER);
  const { scores, elbowK, bestSilhouetteK } = await chooseK(matrix, args['k-range'], {
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
}

runCli(main, USAGE, [MovieLensFileError]);
