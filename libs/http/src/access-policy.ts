import { type AccessToken, readAuthorization } from './access-token';

/** What a route needs: `read` for the query API's reads, `admin` for what changes state. */
export type AccessLevel = 'read' | 'admin';

/**
 * Who may call admin routes: holders of the admin token; anyone (`open`, only when the
 * operator said so with ADMIN_AUTH=disabled); or no one (`locked`, no token configured), so a
 * service started without its Secret never runs open.
 */
export type AdminAccess =
  { mode: 'token'; token: AccessToken } | { mode: 'open' } | { mode: 'locked' };

export interface AccessPolicy {
  admin: AdminAccess;
  /** Absent: read routes are open. Present: they take it, or the admin token. */
  read?: AccessToken;
}

export type DenialReason = 'missing' | 'malformed' | 'invalid' | 'locked';

export type AccessDecision = { granted: true } | { granted: false; reason: DenialReason };

const GRANTED: AccessDecision = { granted: true };
const denied = (reason: DenialReason): AccessDecision => ({ granted: false, reason });

/** Whether a request with this `Authorization` value may call a route of this level. */
export function decideAccess(
  policy: AccessPolicy,
  level: AccessLevel,
  authorization: unknown,
): AccessDecision {
  const admin = policy.admin.mode === 'token' ? policy.admin.token : undefined;
  if (level === 'admin') {
    if (policy.admin.mode === 'open') return GRANTED;
    if (policy.admin.mode === 'locked') return denied('locked');
  } else if (policy.read === undefined) {
    return GRANTED;
  }
  const presented = readAuthorization(authorization);
  if (presented.kind !== 'bearer') return denied(presented.kind);
  // Both comparisons run, so the time taken does not say which token a guess was closer to.
  const isAdmin = admin?.matches(presented.token) ?? false;
  const isReader = level === 'read' && (policy.read?.matches(presented.token) ?? false);
  return isAdmin || isReader ? GRANTED : denied('invalid');
}
