import { parentPort, workerData } from 'node:worker_threads';
import { type KMeansBuffers, KMeansShard, type ShardRange } from './kmeans-shard';

/** A worker thread serving one shard: it calls the named KMeansShard method for each message. */
export interface ShardRequest {
  id: number;
  method: keyof KMeansShard;
  args: unknown[];
}

export type ShardReply = { id: number; result: unknown } | { id: number; error: string };

const { buffers, range } = workerData as { buffers: KMeansBuffers; range: ShardRange };
const shard = new KMeansShard(buffers, range);
const port = parentPort;
if (port === null) throw new Error('kmeans.worker must run in a worker thread');

port.on('message', ({ id, method, args }: ShardRequest) => {
  try {
    const fn = shard[method].bind(shard) as (...a: unknown[]) => unknown;
    port.postMessage({ id, result: fn(...args) } satisfies ShardReply);
  } catch (error) {
    port.postMessage({
      id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
});
