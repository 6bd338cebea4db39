import { type z } from 'zod';
import { UsageError } from './cli-error';

/**
 * Validates parsed command-line values against a schema; a rejection is a usage error naming
 * each problem as `--option: message`.
 */
export function parseArguments<T extends z.ZodType>(schema: T, values: unknown): z.output<T> {
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  throw new UsageError(
    parsed.error.issues
      .map((issue) => (issue.path.length > 0 ? `--${issue.path.join('.')}: ` : '') + issue.message)
      .join('; '),
  );
}
