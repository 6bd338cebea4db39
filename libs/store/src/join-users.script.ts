import { LUA_FUNCTIONS } from './lua-functions';
import { LuaScript } from './lua-script';

/**
 * A recluster's publish, step 1 of 2: joins users to their clusters of the new version, whose
 * aggregates were already written from the snapshot the run read (ClusterAggregatesStore.write).
 * Per user, atomically:
 * - unchanged since the snapshot (their state version `v` is the one read) and not yet in the
 *   version: joins, adding nothing, since the written aggregates hold exactly their state;
 * - changed since the snapshot: joins with their whole current contribution, and is marked for
 *   the snapshot's contribution to be taken back out (`j:<version>` = 1; step 2);
 * - placed provisionally by ingestion meanwhile: moves from that cluster to theirs with their
 *   whole contribution, marked the same way;
 * - already joined by an earlier call: nothing (a call resent after a lost reply changes nothing
 *   and reports the same).
 * It also drops the user's fields of versions other than this one and `keep`.
 *
 * KEYS: 3 per user (ratings, explicit favourites, meta), then 4 per cluster of the version
 *   (RedisKeys.clusterAggregateKeys).
 * ARGV[1]: JSON {"v": version, "fav2": threshold, "keep": [versions], "users": [[cluster,
 *   state version read], ...]}.
 * Returns, per user, 1 when the snapshot's contribution is to be taken out, else 0.
 */
export const joinUsersScript = new LuaScript(
  'join-users',
  `${LUA_FUNCTIONS}
local input = cjson.decode(ARGV[1])
local userKeys = #input.users * 3
local plans = {}
for i, user in ipairs(input.users) do
  plans[i] = planJoin(KEYS[(i - 1) * 3 + 1], KEYS[(i - 1) * 3 + 2], KEYS[(i - 1) * 3 + 3], input, user)
end
local pending, due = {}, {}
local function bring(cluster, deltas, sign)
  local tb = userKeys + cluster * 4
  local acc = pending[tb] or {}
  addDeltas(acc, deltas, sign)
  pending[tb] = acc
end
for i, user in ipairs(input.users) do
  local plan = plans[i]
  writeJoin(KEYS[(i - 1) * 3 + 3], input.v, user[1], plan)
  if plan.deltas then
    if plan.current ~= nil then bring(plan.current, plan.deltas, -1) end
    bring(user[1], plan.deltas, 1)
  end
  due[i] = plan.due
end
applyPending(pending)
return due
`,
);

/**
 * Redis Cluster path of the same step: the moves and contributions go through the user's outbox
 * (apply-cluster-deltas, ack-outbox), as for events.
 *
 * KEYS: 4 per user (ratings, explicit favourites, meta, outbox). ARGV as join-users.
 * Returns [outboxes, due]: per user, every outbox entry not yet acknowledged; and 1 or 0 as
 * join-users.
 */
export const joinUsersToOutboxScript = new LuaScript(
  'join-users-to-outbox',
  `${LUA_FUNCTIONS}
local input = cjson.decode(ARGV[1])
local plans = {}
for i, user in ipairs(input.users) do
  plans[i] = planJoin(KEYS[(i - 1) * 4 + 1], KEYS[(i - 1) * 4 + 2], KEYS[(i - 1) * 4 + 3], input, user)
end
local outboxes, due = {}, {}
for i, user in ipairs(input.users) do
  local plan = plans[i]
  local meta, outbox = KEYS[(i - 1) * 4 + 3], KEYS[(i - 1) * 4 + 4]
  writeJoin(meta, input.v, user[1], plan)
  if plan.deltas and next(plan.deltas) ~= nil then
    if plan.current ~= nil then
      local out = {}
      addDeltas(out, plan.deltas, -1)
      local seq = redis.call('HINCRBY', meta, 'seq', 1)
      redis.call('RPUSH', outbox, cjson.encode({seq, {{input.v, plan.current}}, out}))
    end
    local seq = redis.call('HINCRBY', meta, 'seq', 1)
    redis.call('RPUSH', outbox, cjson.encode({seq, {{input.v, user[1]}}, plan.deltas}))
  end
  outboxes[i] = redis.call('LRANGE', outbox, 0, -1)
  due[i] = plan.due
end
return {outboxes, due}
`,
);

/**
 * Step 2 of 2: takes the snapshot's contribution of each user marked by step 1 out of the
 * cluster the written aggregates counted it in, once (the mark goes from 1 to 2 with it).
 *
 * KEYS: 1 per user (meta), then 4 per cluster of the version
 *   (RedisKeys.clusterAggregateKeys).
 * ARGV[1]: JSON {"v": version, "users": [[cluster, {movie: [sum2, count, favourite]}], ...]}:
 *   each user's contribution as the snapshot read it.
 */
export const compensateUsersScript = new LuaScript(
  'compensate-users',
  `${LUA_FUNCTIONS}
local input = cjson.decode(ARGV[1])
local userKeys = #input.users
local mark = 'j:' .. input.v
local pending = {}
for i, user in ipairs(input.users) do
  if redis.call('HGET', KEYS[i], mark) == '1' then
    local tb = userKeys + user[1] * 4
    local acc = pending[tb] or {}
    addDeltas(acc, user[2], -1)
    pending[tb] = acc
    redis.call('HSET', KEYS[i], mark, 2)
  end
end
applyPending(pending)
return 0
`,
);

/**
 * Redis Cluster path of step 2: the negative contribution goes through the user's outbox.
 *
 * KEYS: 2 per user (meta, outbox). ARGV as compensate-users. Returns, per user, every outbox
 * entry not yet acknowledged.
 */
export const compensateUsersToOutboxScript = new LuaScript(
  'compensate-users-to-outbox',
  `${LUA_FUNCTIONS}
local input = cjson.decode(ARGV[1])
local mark = 'j:' .. input.v
local outboxes = {}
for i, user in ipairs(input.users) do
  local meta, outbox = KEYS[(i - 1) * 2 + 1], KEYS[(i - 1) * 2 + 2]
  if redis.call('HGET', meta, mark) == '1' then
    local out = {}
    addDeltas(out, user[2], -1)
    local seq = redis.call('HINCRBY', meta, 'seq', 1)
    redis.call('RPUSH', outbox, cjson.encode({seq, {{input.v, user[1]}}, out}))
    redis.call('HSET', meta, mark, 2)
  end
  outboxes[i] = redis.call('LRANGE', outbox, 0, -1)
end
return outboxes
`,
);
