import { LuaScript } from './lua-script';

/**
 * Publishes a model version: makes it current, clears the "next" pointer and appends it to the
 * version list, atomically and only while the caller still holds the recluster lock (so a run
 * that lost its lock can never publish). All keys share the {model} slot.
 *
 * KEYS: lock, current, next, versions. ARGV: lock token, version, versions to keep.
 * Returns the versions dropped from the list (their data may be deleted), or an error.
 */
export const switchModelScript = new LuaScript(
  'switch-model',
  `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('LOCK_LOST the recluster lock is no longer held')
end
redis.call('SET', KEYS[2], ARGV[2])
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
redis.call('LREM', KEYS[4], 0, ARGV[2])
redis.call('RPUSH', KEYS[4], ARGV[2])
local dropped = {}
local keep = tonumber(ARGV[3])
while redis.call('LLEN', KEYS[4]) > keep do
  table.insert(dropped, redis.call('LPOP', KEYS[4]))
end
return dropped
`,
);

/** Takes the lock when free or already ours. KEYS: lock. ARGV: token, ttl ms. Returns 1 or 0. */
export const acquireLockScript = new LuaScript(
  'acquire-lock',
  `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`,
);

/** Releases the lock if it is still ours. KEYS: lock. ARGV: token. */
export const releaseLockScript = new LuaScript(
  'release-lock',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
);
