import { z } from 'zod';

/** Nest's log levels, most severe first; a level includes every level before it. */
export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export const loggingEnvSchema = z.object({
  LOG_LEVEL: z
    .enum(LOG_LEVELS, {
      error: (issue) => `expected one of ${LOG_LEVELS.join(', ')}, got "${String(issue.input)}"`,
    })
    .default('log'),
});
