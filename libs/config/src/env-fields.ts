import { isIPv4, isIPv6 } from 'node:net';
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

/**
 * Why `raw` is not a port, or undefined: decimal digits only, nothing around them, from 1 to
 * 65535. Port 0 would mean any free port, which no client could find.
 */
export function portProblem(raw: string): string | undefined {
  const value = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  return value >= 1 && value <= 65_535
    ? undefined
    : `expected a port from 1 to 65535 in decimal digits, got "${raw}"`;
}

/** A TCP port to listen on or connect to. */
export const envPort = (defaultValue: number) =>
  z
    .string()
    .default(String(defaultValue))
    .transform((raw, ctx) => {
      const problem = portProblem(raw);
      if (problem !== undefined) {
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }
      return Number(raw);
    });

/** Labels of letters, digits, "-" and "_" (Docker's service names have them), dot-separated. */
const HOST_NAME =
  /^(?=.{1,253}\.?$)(?!-)[A-Za-z0-9_-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9_-]{1,63}(?<!-))*\.?$/;

/**
 * Why `host` is neither an IP address nor a host name, or undefined. Digits and dots alone are
 * read as an IPv4 address, hexadecimal digits with colons as IPv6: `999.1.1.1` is refused here,
 * not handed to the resolver, which would fail later and less clearly. Whether a name resolves
 * is found out where it is used: at start for an address to listen on, on connecting for a server.
 */
export function hostProblem(host: string): string | undefined {
  if (/^[\d.]+$/.test(host)) {
    return isIPv4(host) ? undefined : `"${host}" is not an IPv4 address`;
  }
  if (/^[\dA-Fa-f:.]+$/.test(host) && host.includes(':')) {
    return isIPv6(host) ? undefined : `"${host}" is not an IPv6 address`;
  }
  return HOST_NAME.test(host) ? undefined : `expected an IP address or a host name, got "${host}"`;
}

/** A host to listen on or connect to: an IP address or a host name. */
export const envHost = (defaultValue: string) =>
  z
    .string()
    .default(defaultValue)
    .superRefine((raw, ctx) => {
      const problem = hostProblem(raw);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    });

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
