import { type LoggerService } from '@nestjs/common';
import { repeatLimitedErrorLogger } from './repeat-limited-error.logger';

/**
 * A RedisConnection's error listener for a service: each connection error as a JSON log line
 * naming REDIS_URL, the same error again at most every 30 s, with how many were left out.
 */
export function redisErrorLogger(
  logger: LoggerService,
  now: () => number = Date.now,
): (error: Error) => void {
  return repeatLimitedErrorLogger(
    logger,
    (error) => `Redis (REDIS_URL) connection error: ${error.message}`,
    now,
  );
}
