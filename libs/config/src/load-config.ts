import { type z } from 'zod';
import { ConfigError } from './config.error';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses the environment once, at boot. Every problem is reported with the variable it concerns,
 * so an operator can fix them all in one go.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) {
    return result.data;
  }
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: issue.path.length > 0 ? issue.path.map(String).join('.') : '(environment)',
      message: issue.message,
    })),
  );
}
