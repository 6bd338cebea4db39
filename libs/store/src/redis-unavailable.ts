/** Socket errors of a server that is down, unreachable or not answering. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** ioredis' own errors when it cannot reach Redis, and replicas that did not keep up. */
const CLIENT_ERRORS = new Set([
  'MaxRetriesPerRequestError',
  'ClusterAllFailedError',
  'ReplicaAckError',
]);

/**
 * Messages of a client that cannot send, and replies of a server that cannot serve for now (a
 * cluster failing over or moving slots, a node loading its data, a script running too long).
 */
const UNAVAILABLE_MESSAGES = [
  /^Connection is closed/,
  /Stream isn't writeable/,
  /Cluster isn't ready/,
  /^Command timed out/,
  /None of startup nodes is available/,
  /Failed to refresh slots cache/,
  /Too many Cluster redirections/,
  /^(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|READONLY|BUSY|MOVED|ASK) /,
];

/**
 * Whether an error means Redis is unavailable (down, unreachable, too slow, failing over): worth
 * retrying later, and a 503 to a client. Anything else is a fault of the request, the data or
 * the code, and retrying it unchanged would fail again.
 */
export function isRedisUnavailable(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (CLIENT_ERRORS.has(e.name)) return true;
    if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(e.message))) return true;
  }
  return false;
}
