import { LuaScript } from './lua-script';

/**
 * The checks of a fenced write: the caller still holds the lock, and its version is still the
 * newest claimed. A run frozen past its lock's expiry may find the lock free again (or even take
 * it back); the version counter has moved on all the same, so it can never write.
 */
const FENCE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[2] then
  return redis.error_reply('FENCED the recluster lock was lost or a newer run began')
end
`;

/**
 * Makes a version "next": ingestion maintains its aggregates from then on, beside the current.
 * KEYS: lock, version counter, next. ARGV: token, version.
 */
export const setNextModelScript = new LuaScript(
  'set-next-model',
  `${FENCE}
redis.call('SET', KEYS[3], ARGV[2])
return 1
`,
);

/**
 * Publishes a version: makes it current, clears "next", appends it to the kept versions and,
 * for a rollback, pins it so scheduled runs leave it in place; promoting or discarding the
 * candidate also clears its pointer, in the same step. Fenced.
 *
 * KEYS: lock, version counter, current, next, versions, pin, candidate.
 * ARGV: token, version, versions to keep, pin ("" none, "forever", or a duration in ms), reason,
 * candidate version cleared ("" none).
 * Returns the versions dropped from the list (their data may be deleted).
 */
export const publishModelScript = new LuaScript(
  'publish-model',
  `${FENCE}
redis.call('SET', KEYS[3], ARGV[2])
if redis.call('GET', KEYS[4]) == ARGV[2] then redis.call('DEL', KEYS[4]) end
if ARGV[6] ~= '' and redis.call('GET', KEYS[7]) == ARGV[6] then redis.call('DEL', KEYS[7]) end
redis.call('LREM', KEYS[5], 0, ARGV[2])
redis.call('RPUSH', KEYS[5], ARGV[2])
local dropped = {}
while redis.call('LLEN', KEYS[5]) > tonumber(ARGV[3]) do
  table.insert(dropped, redis.call('LPOP', KEYS[5]))
end
redis.call('DEL', KEYS[6])
if ARGV[4] ~= '' then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  redis.call('HSET', KEYS[6], 'version', ARGV[2], 'since', string.format('%.0f', now), 'reason', ARGV[5])
  if ARGV[4] ~= 'forever' then
    redis.call('HSET', KEYS[6], 'until', string.format('%.0f', now + tonumber(ARGV[4])))
  end
end
return dropped
`,
);

/**
 * Publishes a version as the candidate, beside the current one: clears "next" and replaces the
 * candidate pointer. The current model and the kept versions are left as they are. Fenced.
 *
 * KEYS: lock, version counter, next, candidate. ARGV: token, version.
 * Returns the candidate it replaced ('' for none; its data may be deleted).
 */
export const publishCandidateScript = new LuaScript(
  'publish-candidate',
  `${FENCE}
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
local replaced = redis.call('GET', KEYS[4]) or ''
redis.call('SET', KEYS[4], ARGV[2])
if replaced == ARGV[2] then replaced = '' end
return replaced
`,
);
