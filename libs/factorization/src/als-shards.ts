import { startWorker } from '@app/clustering';
import { type AlsBuffers, AlsShard, type ShardRanges } from './als-shard';
import { type AlsShardMethod } from './als.worker';

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

async function workerShard(buffers: AlsBuffers, ranges: ShardRanges): Promise<ShardHandle> {
  const worker = await startWorker(__dirname, 'als.worker', { buffers, ranges }, 'ALS worker');
  return {
    call: (method) => worker.call(method, []) as Promise<never>,
    close: () => worker.close(),
  };
}
