import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The variables deploy/local/stack.sh prints for the servers it started or found. */
export type StackVariables = Record<string, string>;

/**
 * Starts the local stack (deploy/local/stack.sh up: Kafka from Maven Central, and Redis; the
 * modes of REDIS_MODE and KAFKA_NODES in `env`) and returns the `NAME=value` lines it prints
 * (KAFKA_BROKERS, REDIS_URL, REDIS_CLUSTER), for a program to point its services at. Its
 * progress goes to stderr.
 */
export async function startLocalStack(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StackVariables> {
  const child = promisify(execFile)('bash', [join(root, 'deploy/local/stack.sh'), 'up'], {
    env,
    maxBuffer: 1 << 20,
  });
  child.child.stderr?.pipe(process.stderr);
  const { stdout } = await child;
  const variables: StackVariables = {};
  for (const line of stdout.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) variables[match[1]] = match[2];
  }
  return variables;
}
