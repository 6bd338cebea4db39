import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type Env, loadConfig } from '@app/config';
import { accessEnvSchema, toAccessPolicy } from './access-env.schema';
import { type AccessPolicy } from './access-policy';

const schema = accessEnvSchema.transform((env, ctx) => toAccessPolicy(env, ctx));
const TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

const problemsOf = (env: Env) => {
  try {
    loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the environment was valid');
};

const adminGrants = (policy: AccessPolicy, token: string) =>
  policy.admin.mode === 'token' && policy.admin.token.matches(token);

const tokenFile = (content: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'access-env-')), 'token');
  writeFileSync(path, content);
  return path;
};

describe('accessEnvSchema', () => {
  it('locks the admin routes and leaves reads open when nothing is set, or set empty', () => {
    expect(loadConfig(schema, {})).toEqual({ admin: { mode: 'locked' } });
    expect(loadConfig(schema, { ADMIN_TOKEN: '', READ_TOKEN: '' })).toEqual({
      admin: { mode: 'locked' },
    });
  });

  it('takes the admin and read tokens from their variables', () => {
    const sut = loadConfig(schema, { ADMIN_TOKEN: TOKEN, READ_TOKEN: `${TOKEN}-read` });

    expect(adminGrants(sut, TOKEN)).toBe(true);
    expect(sut.read?.matches(`${TOKEN}-read`)).toBe(true);
  });

  it("reads a token file, without the file's final newline", () => {
    const sut = loadConfig(schema, { ADMIN_TOKEN_FILE: tokenFile(`${TOKEN}\n`) });

    expect(adminGrants(sut, TOKEN)).toBe(true);
  });

  it('opens the admin routes only when told to, and never beside a token', () => {
    expect(loadConfig(schema, { ADMIN_AUTH: 'disabled' })).toEqual({ admin: { mode: 'open' } });
    expect(problemsOf({ ADMIN_AUTH: 'disabled', ADMIN_TOKEN: TOKEN })).toEqual([
      { variable: 'ADMIN_AUTH', message: 'disabled, yet an admin token is set: unset one of them' },
    ]);
    expect(problemsOf({ ADMIN_AUTH: 'off' })).toEqual([
      { variable: 'ADMIN_AUTH', message: 'expected token or disabled, got "off"' },
    ]);
  });

  it.each([
    ['ADMIN_TOKEN', 'short-token', 'expected at least 16 characters, got 11'],
    ['READ_TOKEN', 'fifteen-chars15', 'expected at least 16 characters, got 15'],
    ['ADMIN_TOKEN', 'sixteen chars and a space', 'expected letters, digits and - . _ ~ + / only'],
  ])('names %s when its token is malformed, never showing it', (variable, value, message) => {
    const problems = problemsOf({ [variable]: value });

    expect(problems.map((p) => p.variable)).toEqual([variable]);
    expect(problems[0]?.message).toContain(message);
    expect(JSON.stringify(problems)).not.toContain(value);
  });

  it('names the file variable when the file is missing, too short, or set beside the token', () => {
    expect(problemsOf({ ADMIN_TOKEN_FILE: '/nonexistent/admin-token' })).toEqual([
      {
        variable: 'ADMIN_TOKEN_FILE',
        message: 'cannot read "/nonexistent/admin-token": ENOENT',
      },
    ]);
    const short = problemsOf({ READ_TOKEN_FILE: tokenFile('short\n') });
    expect(short.map((p) => p.variable)).toEqual(['READ_TOKEN_FILE']);
    expect(short[0]?.message).toContain('got 5');
    expect(
      problemsOf({ ADMIN_TOKEN: TOKEN, ADMIN_TOKEN_FILE: tokenFile(TOKEN) }).map((p) => p.variable),
    ).toEqual(['ADMIN_TOKEN_FILE']);
  });
});
