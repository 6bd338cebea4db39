import { type LoggerService } from '@nestjs/common';

/** Kubernetes sends SIGKILL 40 s after SIGTERM (see deploy/k8s); this leaves a margin. */
export const SHUTDOWN_DEADLINE_MS = 30_000;

/**
 * Exits with status 1 if a graceful shutdown is still running `deadlineMs` after SIGTERM or
 * SIGINT, say a disconnect waiting on a broker that went away. Work left unfinished is work that
 * was never committed, and is done again by the next owner.
 */
export function enforceShutdownDeadline(
  logger: LoggerService,
  context: string,
  deadlineMs = SHUTDOWN_DEADLINE_MS,
): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    // `once`, so the signal Nest raises again after its shutdown hooks ends the process.
    process.once(signal, () => {
      setTimeout(() => {
        logger.error(
          `shutdown did not finish within ${deadlineMs} ms of ${signal}; exiting`,
          context,
        );
        process.exit(1);
      }, deadlineMs).unref();
    });
  }
}
