import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type AlsBuffers, AlsShard, type ShardRanges } from './als-shard';
import { type AlsShardMethod, type ShardReply, type ShardRequest } from './als.worker';

/** A shard as the coordinator sees it, wherever it runs. */
export interface ShardHandle {
  call<M extends AlsShardMethod>(method: M): Promise<ReturnType<AlsShard[M]>>;
  close(): Promise<void>;
}

/** One shard per range: in-process when there is one, else one worker thread each. */
export async function startShards(
  buffers: AlsBuffers,
  ranges: readonly ShardRanges[],
): Promise<ShardHandle[]> {
  if (ranges.length === 1) return ranges.map((r) => localShard(buffers, r));
  const started = await Promise.allSettled(ranges.map((r) => workerShard(buffers, r)));
  const shards = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(shards.map((s) => s.close()));
    throw new Error('an ALS worker failed to start', { cause: failed.reason });
  }
  return shards;
}

function localShard(buffers: AlsBuffers, ranges: ShardRanges): ShardHandle {
  const shard = new AlsShard(buffers, ranges);
  return {
    call: (method) => Promise.resolve(shard[method]() as ReturnType<AlsShard[typeof method]>),
    close: () => Promise.resolve(),
  };
}

/** The compiled worker next to this file; under ts tests the .ts source with a TS loader. */
function workerEntry(): { file: string; execArgv: string[] } {
  const compiled = join(__dirname, 'als.worker.js');
  if (existsSync(compiled)) return { file: compiled, execArgv: [] };
  return {
    file: join(__dirname, 'als.worker.ts'),
    execArgv: ['--require', '@swc-node/register'],
  };
}

async function workerShard(buffers: AlsBuffers, ranges: ShardRanges): Promise<ShardHandle> {
  const { file, execArgv } = workerEntry();
  const worker = new Worker(file, { workerData: { buffers, ranges }, execArgv });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  const failAll = (error: Error): void => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  worker.on('message', (reply: ShardReply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if ('error' in reply) waiting?.reject(new Error(`ALS worker failed: ${reply.error}`));
    else waiting?.resolve(reply.result);
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => {
    failAll(new Error(`ALS worker exited with code ${code}`));
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('online', resolve);
    worker.once('error', reject);
  });
  return {
    call: (method) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        worker.postMessage({ id, method } satisfies ShardRequest);
      }),
    close: async () => {
      await worker.terminate();
    },
  };
}
