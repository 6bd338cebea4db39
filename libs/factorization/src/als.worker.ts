import { parentPort, workerData } from 'node:worker_threads';
import { type AlsBuffers, AlsShard, type ShardRanges } from './als-shard';

/** The shard methods a coordinator calls; none takes arguments, all state is shared memory. */
export type AlsShardMethod = 'solveUsers' | 'solveMovies' | 'squaredError';

/** A worker thread serving one shard: it calls the named AlsShard method for each message. */
export interface ShardRequest {
  id: number;
  method: AlsShardMethod;
}

export type ShardReply = { id: number; result: unknown } | { id: number; error: string };

const { buffers, ranges } = workerData as { buffers: AlsBuffers; ranges: ShardRanges };
const shard = new AlsShard(buffers, ranges);
const port = parentPort;
if (port === null) throw new Error('als.worker must run in a worker thread');

port.on('message', ({ id, method }: ShardRequest) => {
  try {
    port.postMessage({ id, result: shard[method]() } satisfies ShardReply);
  } catch (error) {
    port.postMessage({
      id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    } satisfies ShardReply);
  }
});
