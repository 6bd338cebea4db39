import { Command, option, UsageError } from '@app/cli';
import { loadConfig } from '@app/config';
import { Reclusterer, reclusterStoresOn } from '@app/recluster';
import { FencedOutError, RedisConnection, RedisUnreachableError } from '@app/store';
import { reclusterEnvSchema } from './recluster.config';

const COMMANDS = ['run', 'rollback', 'resume', 'history'] as const;

const command = new Command({
  synopsis: 'npm run recluster -- <run|rollback|resume|history> [--for DURATION]',
  summary: `Commands:
  run        recluster now and publish the new model (after the run in progress, if any, for
             up to RECLUSTER_LOCK_TTL_MS; skipped while a rollback pins the model)
  rollback   republish the model before the current one as a new version, and pin it: scheduled
             runs leave it in place until \`resume\` (or for --for)
  resume     let scheduled runs replace the model again
  history    list the kept model versions, the current one marked with *, and the pin`,
  options: {
    for: option.duration('with rollback: pin the model this long (30m, 2h, 1d), not until resume'),
  },
  positionals: { names: 'a command', min: 1, max: 1 },
  check: (args, [name]) => {
    if (!(COMMANDS as readonly string[]).includes(name ?? '')) {
      return `unknown command "${name}": expected one of ${COMMANDS.join(', ')}`;
    }
    if (args.for !== undefined && name !== 'rollback') return '--for goes with rollback';
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
          const [current, history, pin] = await Promise.all([
            stores.models.currentVersion(),
            stores.models.history(),
            stores.schedule.pin(),
          ]);
          for (const { version, description: d } of history) {
            process.stderr.write(
              `${version === current ? '*' : ' '} ${String(version).padStart(4)}  built ${d?.builtAt ?? '?'}  ` +
                `${d?.clusters ?? '?'} clusters  ${d?.users ?? '?'} users` +
                (d?.als ? `  ALS ${d.als.settings.factors} factors` : '') +
                `${d?.rollbackOf ? `  (rollback to ${d.rollbackOf})` : ''}\n`,
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
