import { createHash, timingSafeEqual } from 'node:crypto';

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * A secret a request must present. Only its SHA-256 digest is kept, so the value itself is in no
 * object a log line or a heap dump could show. A presented value is hashed too and the two
 * digests compared with `timingSafeEqual`: both are 32 bytes whatever was sent, so the time taken
 * says nothing of the secret's length or of how much of a guess was right.
 */
export class AccessToken {
  private constructor(private readonly digest: Buffer) {}

  static of(value: string): AccessToken {
    return new AccessToken(sha256(value));
  }

  matches(presented: string): boolean {
    return timingSafeEqual(this.digest, sha256(presented));
  }

  /** Never the digest either: a configuration printed whole shows that a token is set, no more. */
  toJSON(): string {
    return '[token]';
  }
}

/** RFC 6750's b64token: the characters a bearer token may have. */
export const BEARER_TOKEN_CHARACTERS = /^[A-Za-z0-9\-._~+/]+=*$/;

export type Authorization =
  { kind: 'missing' } | { kind: 'malformed' } | { kind: 'bearer'; token: string };

/** Reads an `Authorization` header value (or the RPC payload's `authorization` field). */
export function readAuthorization(value: unknown): Authorization {
  if (value === undefined || value === null || value === '') return { kind: 'missing' };
  if (typeof value !== 'string') return { kind: 'malformed' };
  const [scheme, token, ...rest] = value.trim().split(/ +/);
  if (scheme?.toLowerCase() !== 'bearer' || token === undefined || rest.length > 0) {
    return { kind: 'malformed' };
  }
  return BEARER_TOKEN_CHARACTERS.test(token) ? { kind: 'bearer', token } : { kind: 'malformed' };
}
