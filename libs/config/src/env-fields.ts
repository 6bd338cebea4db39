import { z } from 'zod';

/** Small zod builders for environment variables, which always arrive as strings. */
export const envInt = (defaultValue: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) =>
  z
    .string()
    .default(String(defaultValue))
    .transform((raw, ctx) => {
      // Decimal digits only: Number() would take "" as 0 and "0x32D4" as 13012.
      const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(value) || value < min || value > max) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a whole number from ${min} to ${max}, got "${raw}"`,
        });
        return z.NEVER;
      }
      return value;
    });

/** A TCP port to listen on or connect to. */
export const envPort = (defaultValue: number) => envInt(defaultValue, { min: 1, max: 65_535 });

export const envNumber = (defaultValue: number, { min = -Infinity, max = Infinity } = {}) =>
  z
    .string()
    .default(String(defaultValue))
    .transform((raw, ctx) => {
      const value = /^-?(\d+\.?\d*|\.\d+)$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isFinite(value) || value < min || value > max) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a number from ${min} to ${max}, got "${raw}"`,
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

/** A name: a consumer group, a client id. */
export const envName = (defaultValue: string) =>
  z
    .string()
    .default(defaultValue)
    .refine((raw) => raw.trim().length > 0, 'expected a non-empty name');
