import { LuaScript } from './lua-script';
import { LUA_FUNCTIONS } from './lua-snippets';

/**
 * Single-node path: puts users in their cluster of a model version and adds each user's current
 * ratings and favourites to that cluster's aggregates, in one atomic step per user. Events before
 * the step are in the state it reads; events after it find the user's cluster and add their
 * delta; so the aggregates equal a from-scratch computation however ingestion interleaves.
 * A user already in a cluster of that version keeps it (the first assignment wins).
 *
 * KEYS: 3 per user (ratings, explicit favourites, meta), then 3 per cluster of the version
 *   (favourites, rating sums, rating counts) for clusters 0..k-1.
 * ARGV[1]: the version; ARGV[2]: JSON array, the cluster of each user.
 * Returns how many users were assigned.
 */
export const assignUsersScript = new LuaScript(
  'assign-users',
  `${LUA_FUNCTIONS}
local version = ARGV[1]
local clusters = cjson.decode(ARGV[2])
local userKeys = #clusters * 3
local pending = {}
local assigned = 0
for i, cluster in ipairs(clusters) do
  local base = (i - 1) * 3
  if redis.call('HSETNX', KEYS[base + 3], 'c:' .. version, cluster) == 1 then
    local tb = userKeys + cluster * 3
    local acc = pending[tb] or {}
    addDeltas(acc, userContribution(KEYS[base + 1], KEYS[base + 2]))
    pending[tb] = acc
    assigned = assigned + 1
  end
end
for tb, acc in pairs(pending) do
  for movie, d in pairs(acc) do applyDelta(KEYS[tb + 1], KEYS[tb + 2], KEYS[tb + 3], movie, d) end
end
return assigned
`,
);

/**
 * Redis Cluster path of the same step: sets the user's cluster and records their whole
 * contribution in their outbox, atomically on the user's slot; the outbox is then applied and
 * acknowledged as for events (apply-cluster-deltas, ack-outbox).
 *
 * KEYS: 4 per user (ratings, explicit favourites, meta, outbox). ARGV as assign-users.
 * Returns, per user, every outbox entry not yet acknowledged.
 */
export const assignUsersToOutboxScript = new LuaScript(
  'assign-users-to-outbox',
  `${LUA_FUNCTIONS}
local version = tonumber(ARGV[1])
local clusters = cjson.decode(ARGV[2])
local result = {}
for i, cluster in ipairs(clusters) do
  local base = (i - 1) * 4
  local meta, outbox = KEYS[base + 3], KEYS[base + 4]
  if redis.call('HSETNX', meta, 'c:' .. version, cluster) == 1 then
    local contribution = userContribution(KEYS[base + 1], KEYS[base + 2])
    if next(contribution) ~= nil then
      local seq = redis.call('HINCRBY', meta, 'seq', 1)
      redis.call('RPUSH', outbox, cjson.encode({seq, {{version, cluster}}, contribution}))
    end
  end
  result[i] = redis.call('LRANGE', outbox, 0, -1)
end
return result
`,
);
