import { HttpException, HttpStatus } from '@nestjs/common';
import { type AccessLevel, type DenialReason } from './access-policy';

const MESSAGES: Readonly<Record<DenialReason, (level: AccessLevel) => string>> = {
  missing: (level) =>
    `this route needs the ${level === 'admin' ? 'admin' : 'read or admin'} token: send Authorization: Bearer <token>`,
  malformed: () => 'malformed Authorization header: expected Bearer <token>',
  invalid: (level) =>
    `the token is not valid for this route: it needs the ${level === 'admin' ? 'admin' : 'read or admin'} token`,
  locked: () => 'admin routes are locked: the service was started without ADMIN_TOKEN',
};

/** RFC 6750's error codes, in the challenge an HTTP client gets. */
const CHALLENGE_ERRORS: Readonly<Record<DenialReason, string | undefined>> = {
  missing: undefined,
  malformed: 'invalid_request',
  invalid: 'invalid_token',
  locked: 'invalid_token',
};

/**
 * A request without a token that grants its route: answered 401, before the handler runs, so
 * nothing changes. The message never repeats what was sent.
 */
export class AccessDeniedError extends HttpException {
  readonly code = 'ACCESS_DENIED';

  constructor(
    readonly level: AccessLevel,
    readonly reason: DenialReason,
  ) {
    super({ message: MESSAGES[reason](level) }, HttpStatus.UNAUTHORIZED);
    this.name = 'AccessDeniedError';
  }

  /** The `WWW-Authenticate` value: `Bearer realm="admin", error="invalid_token"`, say. */
  get challenge(): string {
    const error = CHALLENGE_ERRORS[this.reason];
    return `Bearer realm="${this.level}"${error === undefined ? '' : `, error="${error}"`}`;
  }
}
