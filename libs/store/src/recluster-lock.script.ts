import { LuaScript } from './lua-script';

/**
 * Claims a recluster run for the whole deployment, atomically: the lock must be free, the model
 * must not be pinned by a rollback (a rollback, and work on the candidate, ignore the pin), and,
 * for a scheduled run,
 * the run must be due: no model yet and events waiting, the interval passed since the last run
 * started (by Redis's clock, the same for every replica), or enough events arrived. A claim takes
 * the lock, mints the next model version (the fencing token: every write of the run checks it is
 * still the newest), and starts the interval and the event count again, except for work on the
 * candidate, which leaves the current model, and so its schedule, alone.
 *
 * KEYS: lock, version counter, schedule, events since the last run, pin, current model.
 * ARGV: token, lock ttl ms, mode ("due", "now", "rollback" or "candidate"), interval ms, events
 * threshold.
 * Returns [version, reason] for a claim, [-1, why not] while another run holds the lock, and
 * [0, why not] otherwise.
 */
export const claimReclusterScript = new LuaScript(
  'claim-recluster',
  `
local lock, counter, schedule, events, pin, current = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local token, ttl, mode = ARGV[1], ARGV[2], ARGV[3]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if redis.call('EXISTS', lock) == 1 then return {-1, 'another recluster holds the lock'} end
if mode ~= 'rollback' and mode ~= 'candidate' then
  local pinned = redis.call('HGET', pin, 'version')
  if pinned then
    local untilMs = tonumber(redis.call('HGET', pin, 'until') or nil)
    if untilMs == nil or now < untilMs then
      return {0, 'model ' .. pinned .. ' is pinned by a rollback; resume scheduling first'}
    end
    redis.call('DEL', pin)
  end
end
local reason = 'requested'
if mode == 'due' then
  local last = tonumber(redis.call('HGET', schedule, 'lastStartedAt') or '0')
  local count = tonumber(redis.call('GET', events) or '0')
  if redis.call('EXISTS', current) == 0 and count > 0 then
    reason = 'no model yet'
  elseif now - last >= tonumber(ARGV[4]) then
    reason = 'interval'
  elseif count >= tonumber(ARGV[5]) then
    reason = count .. ' new events'
  else
    return {0, 'not due'}
  end
end
local version = redis.call('INCR', counter)
redis.call('SET', lock, token, 'PX', ttl)
if mode == 'candidate' then return {version, 'candidate'} end
redis.call('HSET', schedule, 'lastStartedAt', string.format('%.0f', now), 'lastVersion', version)
redis.call('SET', events, 0)
return {version, reason}
`,
);

/** Extends the lock if it is still ours; never takes a free one. KEYS: lock. ARGV: token, ttl. */
export const renewLockScript = new LuaScript(
  'renew-lock',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
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
