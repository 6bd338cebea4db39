import { z } from 'zod';

/** Small zod builders for environment variables, which always arrive as strings. */
export const envInt = (defaultValue: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) =>
  z
    .string()
    .default(String(defaultValue))
    .transform((raw, ctx) => {
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min || value > max) {
        ctx.addIssue({
          code: 'custom',
          message: `expected an integer from ${min} to ${max}, got "${raw}"`,
        });
        return z.NEVER;
      }
      return value;
    });

export const envBool = (defaultValue: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], {
      error: (issue) => `expected true or false, got "${String(issue.input)}"`,
    })
    .default(defaultValue ? 'true' : 'false')
    .transform((raw) => raw === 'true' || raw === '1' || raw === 'yes');

export const envList = (defaultValue: string) =>
  z
    .string()
    .default(defaultValue)
    .transform((raw) =>
      raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    )
    .refine((items) => items.length > 0, 'expected a comma-separated list with at least one item');
