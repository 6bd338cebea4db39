import { LuaScript } from './lua-script';
import { LUA_FUNCTIONS } from './lua-snippets';

/**
 * Redis Cluster path, step 1 of 3: applies events to a group of users on one hash slot and
 * records each user's effect on cluster aggregates (which live on other slots) in that user's
 * outbox, atomically.
 *
 * KEYS: 4 per user: ratings, explicit favourites, meta, outbox (all on the user's hash tag).
 * ARGV[1]: JSON {"versions": [v...], "users": [[event, ...], ...]} (events as in LUA_FUNCTIONS).
 * Returns [outboxes, unassigned]: per user, every outbox entry not yet acknowledged:
 * [seq, [[version, cluster]...], {movieId: [sum2, count, favourite]}]; and for each version in
 * order, the (1-based) indexes of the users with no cluster in it. An entry stays until
 * acknowledged, so a crash between this script and the cluster update is repaired when the batch
 * is replayed. Fails with STALE_MODELS, having written nothing, when a user already belongs to a
 * version newer than the given ones.
 */
export const applyUserEventsScript = new LuaScript(
  'apply-user-events',
  `${LUA_FUNCTIONS}
local input = cjson.decode(ARGV[1])
local userTargets, unassigned = usersClusters(input.versions, #input.users, 4)
if userTargets == nil then return redis.error_reply(STALE) end
local outboxes = {}
for i, events in ipairs(input.users) do
  local base = (i - 1) * 4
  local meta, outbox = KEYS[base + 3], KEYS[base + 4]
  local deltas = userDeltas(KEYS[base + 1], KEYS[base + 2], events)
  local effective, any = {}, false
  for movie, d in pairs(deltas) do
    if d[1] ~= 0 or d[2] ~= 0 or d[3] ~= 0 then
      effective[movie] = d
      any = true
    end
  end
  if any and #userTargets[i] > 0 then
    local seq = redis.call('HINCRBY', meta, 'seq', 1)
    redis.call('RPUSH', outbox, cjson.encode({seq, userTargets[i], effective}))
  end
  outboxes[i] = redis.call('LRANGE', outbox, 0, -1)
end
return {outboxes, unassigned}
`,
);
