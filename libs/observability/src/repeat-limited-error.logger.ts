import { type LoggerService } from '@nestjs/common';

/** At most one line per this interval while a dependency keeps failing the same way. */
export const REPEAT_AFTER_MS = 30_000;

/** Kinds of error remembered at once; a dependency fails in a handful of ways, not hundreds. */
const KINDS_REMEMBERED = 100;

/**
 * An error listener for a dependency that is retried (ioredis reconnecting, a consumer waiting
 * for its brokers): each error as one warning, `describe`d so that it names the variable of
 * the address that fails, and the same error again at most every 30 s, with how many were left
 * out meanwhile. Errors are told apart by their message, so two that alternate are each limited.
 */
export function repeatLimitedErrorLogger(
  logger: LoggerService,
  describe: (error: Error) => string,
  now: () => number = Date.now,
): (error: Error) => void {
  const lastLogged = new Map<string, { at: number; suppressed: number }>();
  return (error) => {
    const at = now();
    const last = lastLogged.get(error.message);
    if (last !== undefined && at - last.at < REPEAT_AFTER_MS) {
      last.suppressed++;
      return;
    }
    logger.warn({
      message: describe(error),
      ...(last !== undefined && last.suppressed > 0
        ? { repeatedSinceLastLine: last.suppressed }
        : {}),
    });
    // Re-inserted, so the map's first entry is always the one logged longest ago.
    lastLogged.delete(error.message);
    lastLogged.set(error.message, { at, suppressed: 0 });
    if (lastLogged.size > KINDS_REMEMBERED) {
      const [oldest] = lastLogged.keys();
      if (oldest !== undefined) lastLogged.delete(oldest);
    }
  };
}
