import { workerData } from 'node:worker_threads';
import { serveInWorker } from '@app/clustering';
import { type AlsBuffers, AlsShard, type ShardRanges } from './als-shard';

/** The shard methods a coordinator calls; none takes arguments, all state is shared memory. */
export type AlsShardMethod = 'solveUsers' | 'solveMovies' | 'squaredError';

/** A worker thread serving one shard: each call runs the named AlsShard method. */
const { buffers, ranges } = workerData as { buffers: AlsBuffers; ranges: ShardRanges };
serveInWorker(new AlsShard(buffers, ranges), 'als.worker');
