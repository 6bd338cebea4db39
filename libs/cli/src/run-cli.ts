import { ConfigError } from '@app/config';
import { UsageError } from './cli-error';

/**
 * Runs a command's main function: usage mistakes (a UsageError, or node:util's parseArgs
 * rejecting an unknown option or a missing value) exit 2 with the usage line, expected failures
 * (bad configuration, unreadable input, a file the system would not read or write) exit 1 with
 * their message and no stack trace.
 */
export function runCli(
  main: () => Promise<void>,
  usage: string,
  expected: readonly (abstract new (...args: never[]) => Error)[] = [],
): void {
  // Started once the module that called it has finished loading, so its main may use what the
  // module declares below the call.
  Promise.resolve()
    .then(main)
    .catch((error: unknown) => {
      if (error instanceof UsageError || isParseArgsError(error)) {
        const synopsis = usage.split('\n')[0] ?? '';
        process.stderr.write(
          `error: ${(error as Error).message}\n${synopsis}  (--help for more)\n`,
        );
        process.exit(2);
      }
      if (
        error instanceof ConfigError ||
        isFileSystemError(error) ||
        expected.some((type) => error instanceof type)
      ) {
        process.stderr.write(`error: ${(error as Error).message}\n`);
        process.exit(1);
      }
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    });
}

const isParseArgsError = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
};

/** A failed file operation (ENOENT, EISDIR, EACCES...): its message names the call and path. */
const isFileSystemError = (error: unknown): error is NodeJS.ErrnoException => {
  const { code, syscall, path } = (error ?? {}) as NodeJS.ErrnoException;
  return typeof code === 'string' && typeof syscall === 'string' && typeof path === 'string';
};
