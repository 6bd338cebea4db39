import { LUA_FUNCTIONS } from './lua-functions';
import { LuaScript } from './lua-script';

/**
 * The one step that puts users in clusters of a model version, for a recluster's assignments
 * and for ingestion's placements alike. Per user, atomically:
 * - a user with no cluster in the version joins the given one, bringing everything they rated so
 *   far into its aggregates; events before the step are in the state it reads, events after it
 *   find the user's cluster and add their delta, so the aggregates equal a from-scratch
 *   computation however ingestion interleaves;
 * - a provisionally placed user moves to the given cluster, taking their whole contribution from
 *   the old cluster to the new;
 * - a user a recluster assigned keeps their cluster.
 * Ingestion's placements are provisional: the user's rating count is kept in `p:<version>`, so
 * the placement is made again as their ratings double; a recluster's assignment clears it (and
 * a recluster's publish joins most users through join-users.script instead).
 *
 * KEYS: 3 per user (ratings, explicit favourites, meta), then 4 per cluster of the version
 *   (RedisKeys.clusterAggregateKeys) for clusters 0..k-1.
 * ARGV[1]: JSON {"v": version, "fav2": threshold, "provisional": bool,
 *   "clusters": [cluster of each user]}.
 * Returns how many users joined or moved.
 */
export const placeUsersScript = new LuaScript(
  'place-users',
  `${LUA_FUNCTIONS}
local input = cjson.decode(ARGV[1])
local userKeys = #input.clusters * 3
local plans = {}
for i, cluster in ipairs(input.clusters) do
  local base = (i - 1) * 3
  plans[i] = planPlacement(KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], input, cluster)
end
local pending, changed = {}, 0
local function bring(cluster, deltas, sign)
  local tb = userKeys + cluster * 4
  local acc = pending[tb] or {}
  addDeltas(acc, deltas, sign)
  pending[tb] = acc
end
for i, cluster in ipairs(input.clusters) do
  local plan = plans[i]
  writePlacement(KEYS[(i - 1) * 3 + 3], input, cluster, plan)
  if plan.moves then
    if plan.current ~= nil then bring(plan.current, plan.deltas, -1) end
    bring(cluster, plan.deltas, 1)
    changed = changed + 1
  end
end
applyPending(pending)
return changed
`,
);

/**
 * Redis Cluster path of the same step: the user's fields change and their contribution is
 * recorded in their outbox (a move as two entries: out of the old cluster, into the new),
 * atomically on the user's slot; the outbox is then applied and acknowledged as for events
 * (apply-cluster-deltas, ack-outbox).
 *
 * KEYS: 4 per user (ratings, explicit favourites, meta, outbox). ARGV as place-users.
 * Returns [outboxes, changed]: per user, every outbox entry not yet acknowledged; how many users
 * joined or moved.
 */
export const placeUsersToOutboxScript = new LuaScript(
  'place-users-to-outbox',
  `${LUA_FUNCTIONS}
local input = cjson.decode(ARGV[1])
local plans = {}
for i, cluster in ipairs(input.clusters) do
  local base = (i - 1) * 4
  plans[i] = planPlacement(KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], input, cluster)
end
local result, changed = {}, 0
for i, cluster in ipairs(input.clusters) do
  local plan = plans[i]
  local meta, outbox = KEYS[(i - 1) * 4 + 3], KEYS[(i - 1) * 4 + 4]
  writePlacement(meta, input, cluster, plan)
  if plan.moves then changed = changed + 1 end
  if plan.moves and next(plan.deltas) ~= nil then
    if plan.current ~= nil then
      local out = {}
      addDeltas(out, plan.deltas, -1)
      local seq = redis.call('HINCRBY', meta, 'seq', 1)
      redis.call('RPUSH', outbox, cjson.encode({seq, {{input.v, plan.current}}, out}))
    end
    local seq = redis.call('HINCRBY', meta, 'seq', 1)
    redis.call('RPUSH', outbox, cjson.encode({seq, {{input.v, cluster}}, plan.deltas}))
  end
  result[i] = redis.call('LRANGE', outbox, 0, -1)
end
return {result, changed}
`,
);
