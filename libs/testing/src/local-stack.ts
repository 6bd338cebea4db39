import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The local stack of deploy/local/stack.sh, driven from tests in the mode and on the ports of
 * this process's environment (KAFKA_NODES, REDIS_MODE, STACK_DIR, the *_PORT variables): the
 * drills kill its nodes and bring them back with it.
 */
const STACK_SCRIPT = join(__dirname, '../../../deploy/local/stack.sh');

export interface StackNode {
  /** `kafka node-2`, `redis node`, `redis`... */
  name: string;
  /** host:port */
  address: string;
  pid: number | undefined;
  /** `answers`, `answers master`, `down`... */
  state: string;
}

async function stack(command: 'up' | 'status'): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('bash', [STACK_SCRIPT, command], {
      env: process.env,
    });
    return stdout;
  } catch (error) {
    throw new Error(
      `${STACK_SCRIPT} ${command} failed (the servers must be the ones that script started, ` +
        `in this environment's KAFKA_NODES, REDIS_MODE and ports): ${String(error)}`,
    );
  }
}

/** Starts whatever node of the stack is not running, and waits until the stack is healthy. */
export async function stackUp(): Promise<void> {
  await stack('up');
}

/** Every node of the stack, as `stack.sh status` lists them. */
export async function stackNodes(): Promise<StackNode[]> {
  return (await stack('status')).split('\n').flatMap((line) => {
    const match = /^(.+?)\s{2,}(\S+:\d+)\s+pid (\S+)\s+(.*)$/.exec(line.trim());
    if (match === null) return [];
    const [, name = '', address = '', pid = '-', state = ''] = match;
    return [{ name, address, pid: pid === '-' ? undefined : Number(pid), state: state.trim() }];
  });
}
