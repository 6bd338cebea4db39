import { workerData } from 'node:worker_threads';
import { type KMeansBuffers, KMeansShard, type ShardRange } from './kmeans-shard';
import { serveInWorker } from './worker-rpc';

/** A worker thread serving one shard: each call runs the named KMeansShard method. */
const { buffers, range } = workerData as { buffers: KMeansBuffers; range: ShardRange };
serveInWorker(new KMeansShard(buffers, range), 'kmeans.worker');
