import { parseArgs } from 'node:util';
import { runCli, UsageError } from '@app/cli';
import { loadConfig } from '@app/config';
import { Reclusterer } from '@app/recluster';
import { RatingsRepository } from '@app/store';
import { reclusterEnvSchema } from './recluster.config';

const USAGE = `Usage: npm run recluster -- <command>

Commands:
  run        recluster now and publish the new model (skipped if another run holds the lock)
  rollback   republish the previous model as a new version
  history    list the kept model versions, the current one marked with *

Settings come from the environment as for the recluster service (RECLUSTER_K,
RECLUSTER_MIN_CLUSTER_SIZE, REDIS_URL, ...; see README). The last stdout line is JSON.`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [command, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra.join(' ')}"`);
  const config = loadConfig(reclusterEnvSchema, process.env);
  const repository = new RatingsRepository(config.redis);
  try {
    const reclusterer = new Reclusterer(repository, config.settings);
    switch (command) {
      case 'run':
        print(await reclusterer.run());
        return;
      case 'rollback':
        print(await reclusterer.rollback());
        return;
      case 'history': {
        const current = await repository.currentModelVersion();
        const history = await repository.modelHistory();
        for (const { version, info } of history) {
          process.stderr.write(
            `${version === current ? '*' : ' '} ${String(version).padStart(4)}  built ${info.builtAt ?? '?'}  ` +
              `${info.clusters ?? '?'} clusters  ${info.users ?? '?'} users` +
              `${info.rollbackOf ? `  (rollback of ${info.rollbackOf})` : ''}\n`,
          );
        }
        print({ current: current ?? null, versions: history });
        return;
      }
      case undefined:
        throw new UsageError('a command is required');
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    await repository.close();
  }
}

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`);
};

runCli(main, USAGE);
