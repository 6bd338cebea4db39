import { Command, option, UsageError } from '@app/cli';
import { MATRIX_VALUES } from '@app/clustering';
import { loadConfig } from '@app/config';
import { type CandidateOverrides, Reclusterer, reclusterStoresOn } from '@app/recluster';
import { FencedOutError, RedisConnection, RedisUnreachableError } from '@app/store';
import { reclusterEnvSchema } from './recluster.config';

const COMMANDS = [
  'run',
  'rollback',
  'resume',
  'history',
  'candidate',
  'promote',
  'discard',
] as const;

/** The options a candidate takes instead of the worker's settings. */
const CANDIDATE_OPTIONS = ['k', 'values', 'min-cluster-size', 'seed'] as const;

const command = new Command({
  synopsis:
    'npm run recluster -- <run|rollback|resume|history|candidate|promote|discard> [options]',
  summary: `Commands:
  run        recluster now and publish the new model (after the run in progress, if any, for
             up to RECLUSTER_LOCK_TTL_MS; skipped while a rollback pins the model)
  rollback   republish the model before the current one as a new version, and pin it: scheduled
             runs leave it in place until \`resume\` (or for --for)
  resume     let scheduled runs replace the model again
  history    list the kept model versions, the current one marked with *, the candidate with
             ?, and the pin
  candidate  build a candidate model beside the current one, with the worker's settings but for
             --k, --values, --min-cluster-size and --seed; it replaces the candidate before it;
             the query service answers QUERY_CANDIDATE_SHARE of users from it
  promote    make the candidate the current model (republished as a new version; the model it
             replaces is kept for rollback)
  discard    drop the candidate (the current model is republished as a new version without it)`,
  options: {
    for: option.duration('with rollback: pin the model this long (30m, 2h, 1d), not until resume'),
    k: option.int('with candidate: clusters k-means looks for (RECLUSTER_K)', {
      min: 1,
      max: 10_000,
    }),
    values: option.choice(MATRIX_VALUES, 'with candidate: matrix values (RECLUSTER_VALUES)'),
    'min-cluster-size': option.int('with candidate: the merge size (RECLUSTER_MIN_CLUSTER_SIZE)', {
      min: 1,
      max: 10_000_000,
    }),
    seed: option.int('with candidate: the k-means seed (RECLUSTER_SEED)'),
  },
  positionals: { names: 'a command', min: 1, max: 1 },
  check: (args, [name]) => {
    if (!(COMMANDS as readonly string[]).includes(name ?? '')) {
      return `unknown command "${name}": expected one of ${COMMANDS.join(', ')}`;
    }
    if (args.for !== undefined && name !== 'rollback') return '--for goes with rollback';
    const given = CANDIDATE_OPTIONS.find((key) => args[key] !== undefined);
    if (given !== undefined && name !== 'candidate') return `--${given} goes with candidate`;
    return undefined;
  },
  notes: `Settings come from the environment as for the recluster service (RECLUSTER_K,
RECLUSTER_MIN_CLUSTER_SIZE, REDIS_URL, ...; see README). The last stdout line is JSON.`,
});

command.run(
  async (args, [name]) => {
    const config = loadConfig(reclusterEnvSchema, process.env);
    const connection = new RedisConnection(config.redis);
    try {
      await connection.ready(5_000);
      const stores = reclusterStoresOn(connection);
      const reclusterer = new Reclusterer(stores, config.settings);
      switch (name) {
        case 'run':
          print(await reclusterer.run({ kind: 'now' }));
          return;
        case 'rollback':
          print(await reclusterer.rollback(args.for === undefined ? {} : { forMs: args.for }));
          return;
        case 'candidate': {
          const overrides: CandidateOverrides = {
            ...(args.k === undefined ? {} : { k: args.k }),
            ...(args.values === undefined ? {} : { values: args.values }),
            ...(args['min-cluster-size'] === undefined
              ? {}
              : { minClusterSize: args['min-cluster-size'] }),
            ...(args.seed === undefined ? {} : { seed: args.seed }),
          };
          print(await reclusterer.candidate(overrides));
          return;
        }
        case 'promote':
          print(await reclusterer.promote());
          return;
        case 'discard':
          print(await reclusterer.discard());
          return;
        case 'resume': {
          const pin = await stores.schedule.resume();
          process.stderr.write(
            pin === undefined
              ? 'no model was pinned; scheduled runs go on as before\n'
              : `model ${pin.version} is no longer pinned; scheduled runs replace it again\n`,
          );
          print({ resumed: pin !== undefined, pinnedVersion: pin?.version ?? null });
          return;
        }
        case 'history': {
          const [current, history, pin, candidate] = await Promise.all([
            stores.models.currentVersion(),
            stores.models.history(),
            stores.schedule.pin(),
            stores.models.candidateVersion(),
          ]);
          const candidateDescription =
            candidate === undefined ? undefined : await stores.models.describe(candidate);
          const listed = [
            ...history,
            ...(candidate === undefined
              ? []
              : [{ version: candidate, description: candidateDescription }]),
          ];
          for (const { version, description: d } of listed) {
            const mark = version === current ? '*' : version === candidate ? '?' : ' ';
            process.stderr.write(
              `${mark} ${String(version).padStart(4)}  built ${d?.builtAt ?? '?'}  ` +
                `${d?.clusters ?? '?'} clusters  ${d?.users ?? '?'} users` +
                (d?.als ? `  ALS ${d.als.settings.factors} factors` : '') +
                (version === candidate && d !== undefined
                  ? `  candidate: k ${d.settings.k}, ${d.settings.values} values, ` +
                    `min cluster size ${d.settings.minClusterSize}`
                  : '') +
                (d?.rollbackOf ? `  (rollback to ${d.rollbackOf})` : '') +
                `${d?.promotedFrom ? `  (promoted candidate ${d.promotedFrom})` : ''}\n`,
            );
          }
          if (pin !== undefined) {
            process.stderr.write(
              `model ${pin.version} is pinned since ${pin.since} (${pin.reason}), ` +
                `${pin.until === null ? 'until resumed' : `until ${pin.until}`}\n`,
            );
          }
          print({
            current: current ?? null,
            pin: pin ?? null,
            versions: history.map(({ version, description }) => ({
              version,
              description: description ?? null,
            })),
            candidate:
              candidate === undefined
                ? null
                : { version: candidate, description: candidateDescription ?? null },
          });
          return;
        }
        case undefined:
        default:
          throw new UsageError(`unknown command "${name}"`);
      }
    } finally {
      await connection.close();
    }
  },
  [RedisUnreachableError, FencedOutError],
);

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`);
};
