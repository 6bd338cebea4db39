import { LUA_FUNCTIONS } from './lua-functions';
import { LuaScript } from './lua-script';

/**
 * Single-node path: deletes one user's data and takes their contribution out of their cluster
 * in each given model (and of the all-users aggregate, version 0), atomically. Their ratings,
 * explicit favourites, hidden movies and profile go, and so do their cluster fields (`c:` and
 * `p:`) of every version. The meta hash stays as a tombstone: `deletedAt` (the later of the
 * stored and the given one), `v` (counted up when anything went, so a recluster that read the
 * user before takes their snapshot contribution back out, see join-users), `seq` and the `j:`
 * marks a recluster's compensation still needs. A second call finds nothing to take and changes
 * nothing.
 *
 * KEYS: ratings, explicit favourites, meta, profile, hidden movies (the user's hash tag), then 4
 *   per cluster of each model in order (RedisKeys.clusterAggregateKeys).
 * ARGV[1]: JSON {"models": [{"v", "k", "fav2"}...], "deletedAt": seconds}.
 * Returns 1 when anything was deleted, else 0. Fails with STALE_MODELS, having written nothing,
 * when the user belongs to a version newer than the given ones.
 */
export const deleteUserScript = new LuaScript(
  'delete-user',
  `${LUA_FUNCTIONS}
local input = cjson.decode(ARGV[1])
local models = input.models
local clusters = usersClusters(models, 1, 5)
if clusters == nil then return redis.error_reply(STALE) end
local user, profile = userAt(1, 5), KEYS[4]
local plan = planErase(user, profile, input.deletedAt)
local pending, offset, byThreshold = {}, 5, {}
for m, model in ipairs(models) do
  local c = clusters[1][m]
  if c ~= nil then
    local deltas = byThreshold[model.fav2] or userContribution(user.ratings, user.favs, model.fav2)
    byThreshold[model.fav2] = deltas
    local acc = {}
    addDeltas(acc, deltas, -1)
    pending[offset + c * 4] = acc
  end
  offset = offset + model.k * 4
end
writeErase(user, profile, plan)
applyPending(pending)
return plan.changed and 1 or 0
`,
);

/**
 * Redis Cluster path of the same deletion: the negative contribution goes through the user's
 * outbox, one entry per distinct favourite threshold among their clusters, and is relayed as
 * events' are (apply-cluster-deltas, ack-outbox). The outbox and `seq` stay: a cluster skips
 * the sequence numbers it has applied, so numbering must go on.
 *
 * KEYS: ratings, explicit favourites, meta, outbox, profile, hidden movies. ARGV as delete-user.
 * Returns [outbox, changed]: every outbox entry not yet acknowledged, and 1 or 0 as delete-user.
 */
export const deleteUserToOutboxScript = new LuaScript(
  'delete-user-to-outbox',
  `${LUA_FUNCTIONS}
local input = cjson.decode(ARGV[1])
local models = input.models
local clusters = usersClusters(models, 1, 6)
if clusters == nil then return redis.error_reply(STALE) end
local user, outbox, profile = userAt(1, 6), KEYS[4], KEYS[5]
local plan = planErase(user, profile, input.deletedAt)
local byThreshold = {}
for m, model in ipairs(models) do
  local c = clusters[1][m]
  if c ~= nil then
    local group = byThreshold[model.fav2] or {}
    table.insert(group, {model.v, c})
    byThreshold[model.fav2] = group
  end
end
local entries = {}
for fav2, targets in pairs(byThreshold) do
  local deltas = userContribution(user.ratings, user.favs, fav2)
  if next(deltas) ~= nil then
    local out = {}
    addDeltas(out, deltas, -1)
    table.insert(entries, {targets, out})
  end
end
writeErase(user, profile, plan)
for _, entry in ipairs(entries) do
  local seq = redis.call('HINCRBY', user.meta, 'seq', 1)
  redis.call('RPUSH', outbox, cjson.encode({seq, entry[1], entry[2]}))
end
return {redis.call('LRANGE', outbox, 0, -1), plan.changed and 1 or 0}
`,
);
