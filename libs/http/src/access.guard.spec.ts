import { Controller, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { AccessDeniedError } from './access-denied.error';
import { type AccessPolicy } from './access-policy';
import { AccessToken } from './access-token';
import { AccessGuard, RequireAccess } from './access.guard';

const ADMIN = 'admin-token-0123456789';
const READER = 'read-token-0123456789';

@Controller()
@RequireAccess('read')
class ExampleController {
  list(): void {}

  @RequireAccess('admin')
  write(): void {}
}

class OpenController {
  health(): void {}
}

type Handler = 'list' | 'write';

/** An HTTP request to one handler, with its headers, and the reply headers the guard set. */
function httpCall(handler: Handler, headers: Record<string, string> = {}) {
  const replyHeaders: Record<string, string> = {};
  const reply = { header: (name: string, value: string) => (replyHeaders[name] = value) };
  const context = new ExecutionContextHost(
    [{ headers }, reply],
    ExampleController,
    ExampleController.prototype[handler],
  );
  context.setType('http');
  return { context: context as ExecutionContext, replyHeaders };
}

function rpcCall(handler: Handler, payload: unknown): ExecutionContext {
  const context = new ExecutionContextHost(
    [payload, {}],
    ExampleController,
    ExampleController.prototype[handler],
  );
  context.setType('rpc');
  return context;
}

const denial = (run: () => unknown): AccessDeniedError => {
  try {
    run();
  } catch (error) {
    if (error instanceof AccessDeniedError) return error;
    throw error;
  }
  throw new Error('access was granted');
};

const policy = (overrides: Partial<AccessPolicy> = {}): AccessPolicy => ({
  admin: { mode: 'token', token: AccessToken.of(ADMIN) },
  ...overrides,
});

describe(AccessGuard.name, () => {
  const guardWith = (access: AccessPolicy) => new AccessGuard(new Reflector(), access);

  describe('an admin route', () => {
    const sut = guardWith(policy());

    it('lets the admin token through', () => {
      expect(sut.canActivate(httpCall('write', { authorization: `Bearer ${ADMIN}` }).context)).toBe(
        true,
      );
    });

    it('refuses a request without a token: 401 asking for the admin token, with the challenge', () => {
      const { context, replyHeaders } = httpCall('write');

      const error = denial(() => sut.canActivate(context));

      expect(error.getStatus()).toBe(401);
      expect(error.getResponse()).toEqual({
        message: 'this route needs the admin token: send Authorization: Bearer <token>',
      });
      expect(replyHeaders).toEqual({ 'www-authenticate': 'Bearer realm="admin"' });
    });

    it.each([
      ['a wrong token', `Bearer ${ADMIN}x`, 'invalid', 'invalid_token'],
      [
        'the admin token with a letter changed',
        `Bearer ${ADMIN.replace('a', 'b')}`,
        'invalid',
        'invalid_token',
      ],
      ['another scheme', `Basic ${ADMIN}`, 'malformed', 'invalid_request'],
      ['a bare token', ADMIN, 'malformed', 'invalid_request'],
      ['two tokens', `Bearer ${ADMIN} ${ADMIN}`, 'malformed', 'invalid_request'],
    ])('refuses %s, never repeating it', (_case, authorization, reason, challengeError) => {
      const { context, replyHeaders } = httpCall('write', { authorization });

      const error = denial(() => sut.canActivate(context));

      expect(error.reason).toBe(reason);
      expect(replyHeaders['www-authenticate']).toBe(
        `Bearer realm="admin", error="${challengeError}"`,
      );
      expect(JSON.stringify(error.getResponse())).not.toContain(ADMIN.slice(0, 8));
    });

    it('refuses the read token: it grants reads only', () => {
      const sut = guardWith(policy({ read: AccessToken.of(READER) }));

      expect(
        denial(() =>
          sut.canActivate(httpCall('write', { authorization: `Bearer ${READER}` }).context),
        ).reason,
      ).toBe('invalid');
    });

    it('refuses every request when no admin token is configured', () => {
      const sut = guardWith(policy({ admin: { mode: 'locked' } }));

      const error = denial(() =>
        sut.canActivate(httpCall('write', { authorization: `Bearer ${ADMIN}` }).context),
      );

      expect(error.getResponse()).toEqual({
        message: 'admin routes are locked: the service was started without ADMIN_TOKEN',
      });
    });

    it('lets anyone through when admin auth was disabled', () => {
      const sut = guardWith(policy({ admin: { mode: 'open' } }));

      expect(sut.canActivate(httpCall('write').context)).toBe(true);
    });

    it('reads the token of an RPC call from its payload', () => {
      expect(
        sut.canActivate(rpcCall('write', { userId: 1, authorization: `Bearer ${ADMIN}` })),
      ).toBe(true);
      expect(denial(() => sut.canActivate(rpcCall('write', { userId: 1 }))).reason).toBe('missing');
      expect(denial(() => sut.canActivate(rpcCall('write', null))).reason).toBe('missing');
    });
  });

  describe('a read route', () => {
    it('is open without a read token configured', () => {
      expect(guardWith(policy()).canActivate(httpCall('list').context)).toBe(true);
    });

    it('takes the read token or the admin token once one is configured, and nothing else', () => {
      const sut = guardWith(policy({ read: AccessToken.of(READER) }));
      const withToken = (token: string) =>
        httpCall('list', { authorization: `Bearer ${token}` }).context;

      expect(sut.canActivate(withToken(READER))).toBe(true);
      expect(sut.canActivate(withToken(ADMIN))).toBe(true);
      expect(denial(() => sut.canActivate(withToken('not-the-read-token-0000'))).reason).toBe(
        'invalid',
      );
      const { context, replyHeaders } = httpCall('list');
      expect(denial(() => sut.canActivate(context)).getResponse()).toEqual({
        message: 'this route needs the read or admin token: send Authorization: Bearer <token>',
      });
      expect(replyHeaders).toEqual({ 'www-authenticate': 'Bearer realm="read"' });
    });
  });

  it('lets every request through to a route that asks for no token', () => {
    const sut = guardWith(policy({ read: AccessToken.of(READER) }));
    const context = new ExecutionContextHost(
      [{ headers: {} }, {}],
      OpenController,
      OpenController.prototype.health,
    );

    expect(sut.canActivate(context)).toBe(true);
  });
});
