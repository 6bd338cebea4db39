import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, Worker } from 'node:worker_threads';

/**
 * Method calls on an object that lives in a worker thread, over the thread's message port: the
 * coordinator sends { id, method, args }, the worker answers { id, result } or { id, error }. The
 * objects served (k-means and ALS shards) share their data through SharedArrayBuffers, so the
 * messages carry only method names, small arguments and small results.
 */
interface WorkerCall {
  id: number;
  method: string;
  args: unknown[];
}

type WorkerReply = { id: number; result: unknown } | { id: number; error: string };

/** In a worker thread: answers every call with `target`'s method of that name. */
export function serveInWorker(target: object, what: string): void {
  const port = parentPort;
  if (port === null) throw new Error(`${what} must run in a worker thread`);
  port.on('message', ({ id, method, args }: WorkerCall) => {
    try {
      const fn: unknown = (target as Record<string, unknown>)[method];
      if (typeof fn !== 'function') throw new Error(`${what} has no method ${method}`);
      const result: unknown = (fn as (...a: unknown[]) => unknown).apply(target, args);
      port.postMessage({ id, result } satisfies WorkerReply);
    } catch (error) {
      port.postMessage({
        id,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies WorkerReply);
    }
  });
}

/** The coordinator's side of a worker thread started with `startWorker`. */
export interface WorkerClient {
  call(method: string, args: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Starts the worker script `name` of `dir` (the compiled .js, or under TypeScript tests the .ts
 * source with a TS loader) with `workerData`, once it is online. A call fails with the worker's
 * error, and every pending call fails when the worker dies; `what` names it in those errors.
 */
export async function startWorker(
  dir: string,
  name: string,
  workerData: unknown,
  what: string,
): Promise<WorkerClient> {
  const compiled = join(dir, `${name}.js`);
  const worker = existsSync(compiled)
    ? new Worker(compiled, { workerData })
    : new Worker(join(dir, `${name}.ts`), {
        workerData,
        execArgv: ['--require', '@swc-node/register'],
      });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  const failAll = (error: Error): void => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  worker.on('message', (reply: WorkerReply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if ('error' in reply) waiting?.reject(new Error(`${what} failed: ${reply.error}`));
    else waiting?.resolve(reply.result);
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => {
    failAll(new Error(`${what} exited with code ${code}`));
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('online', resolve);
    worker.once('error', reject);
  });
  return {
    call: (method, args) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, method, args } satisfies WorkerCall);
      }),
    close: async () => {
      await worker.terminate();
    },
  };
}
