import { type LoggerService } from '@nestjs/common';

/** At most one line per this interval while Redis keeps failing the same way. */
const REPEAT_AFTER_MS = 30_000;

/**
 * A RedisConnection's error listener for a service: each connection error as a JSON log line
 * naming REDIS_URL, the same error again at most every 30 s, with how many were left out.
 */
export function redisErrorLogger(
  logger: LoggerService,
  now: () => number = Date.now,
): (error: Error) => void {
  let last: { message: string; at: number } | undefined;
  let suppressed = 0;
  return (error) => {
    const at = now();
    if (last?.message === error.message && at - last.at < REPEAT_AFTER_MS) {
      suppressed++;
      return;
    }
    logger.warn({
      message: `Redis (REDIS_URL) connection error: ${error.message}`,
      ...(suppressed > 0 ? { repeatedSinceLastLine: suppressed } : {}),
    });
    last = { message: error.message, at };
    suppressed = 0;
  };
}
