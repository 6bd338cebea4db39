import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type AccessPolicy } from './access-policy';
import { AccessToken, BEARER_TOKEN_CHARACTERS } from './access-token';

/** Long enough that guessing is hopeless: `openssl rand -hex 32` gives 64 characters. */
export const MIN_TOKEN_LENGTH = 16;

/** An empty variable is an unset one (`READ_TOKEN=${READ_TOKEN:-}` in a compose file, say). */
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

/**
 * The tokens of the admin and read routes. Each comes from its variable or from a file named by
 * `<variable>_FILE` (a mounted Secret, a Docker secret), never both. Without an admin token the
 * admin routes are locked, unless ADMIN_AUTH=disabled opens them on purpose.
 */
export const accessEnvSchema = z.object({
  ADMIN_TOKEN: optionalText,
  ADMIN_TOKEN_FILE: optionalText,
  ADMIN_AUTH: z
    .enum(['token', 'disabled'], {
      error: (issue) => `expected token or disabled, got "${String(issue.input)}"`,
    })
    .default('token'),
  READ_TOKEN: optionalText,
  READ_TOKEN_FILE: optionalText,
});

type AccessEnv = z.output<typeof accessEnvSchema>;

/** Builds the policy from the variables; each problem names its variable, never the value. */
export function toAccessPolicy(env: AccessEnv, ctx: z.RefinementCtx): AccessPolicy {
  const admin = tokenFrom(env, 'ADMIN_TOKEN', ctx);
  const read = tokenFrom(env, 'READ_TOKEN', ctx);
  if (env.ADMIN_AUTH === 'disabled' && admin !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['ADMIN_AUTH'],
      message: 'disabled, yet an admin token is set: unset one of them',
    });
  }
  return {
    admin:
      env.ADMIN_AUTH === 'disabled'
        ? { mode: 'open' }
        : admin === undefined
          ? { mode: 'locked' }
          : { mode: 'token', token: AccessToken.of(admin) },
    ...(read === undefined ? {} : { read: AccessToken.of(read) }),
  };
}

function tokenFrom(
  env: AccessEnv,
  variable: 'ADMIN_TOKEN' | 'READ_TOKEN',
  ctx: z.RefinementCtx,
): string | undefined {
  const fileVariable = `${variable}_FILE` as const;
  const inline = env[variable];
  const file = env[fileVariable];
  if (inline !== undefined && file !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: [fileVariable],
      message: `set with ${variable} too: expected one of them`,
    });
    return undefined;
  }
  if (file !== undefined) {
    const value = readTokenFile(file, fileVariable, ctx);
    return value === undefined ? undefined : checked(value, fileVariable, ctx);
  }
  return inline === undefined ? undefined : checked(inline, variable, ctx);
}

function readTokenFile(path: string, variable: string, ctx: z.RefinementCtx): string | undefined {
  try {
    // A file written by `echo` or an editor ends in a newline, which is no part of the token.
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      path: [variable],
      message: `cannot read "${path}": ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    });
    return undefined;
  }
}

/** The message says what is wrong with the token by its length and characters, not its text. */
function checked(token: string, variable: string, ctx: z.RefinementCtx): string | undefined {
  const problem =
    token.length < MIN_TOKEN_LENGTH
      ? `expected at least ${MIN_TOKEN_LENGTH} characters, got ${token.length} (make one with: openssl rand -hex 32)`
      : !BEARER_TOKEN_CHARACTERS.test(token)
        ? 'expected letters, digits and - . _ ~ + / only (a bearer token cannot carry others)'
        : undefined;
  if (problem === undefined) return token;
  ctx.addIssue({ code: 'custom', path: [variable], message: problem });
  return undefined;
}
