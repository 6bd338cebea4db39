import { LUA_FUNCTIONS } from './lua-functions';
import { LuaScript } from './lua-script';

/**
 * Redis Cluster path, step 1 of 3: applies events to a group of users on one hash slot and
 * records each user's effect on cluster aggregates (which live on other slots) in that user's
 * outbox, atomically.
 *
 * KEYS: 5 per user: ratings, explicit favourites, meta, outbox, hidden movies (all on the user's
 *   hash tag).
 * ARGV[1]: JSON {"models": [{"v", "k", "fav2"}...], "users": [[event, ...], ...]}.
 * Returns [outboxes, unassigned, due, gone]: per user, every outbox entry not yet acknowledged,
 * [seq, [[version, cluster]...], {movieId: [sum2, count, favourite]}] (one entry per distinct
 * favourite threshold among the user's clusters); and, as apply-events, the users without a
 * cluster and those due for placement, per model, and the deleted users the events did not bring
 * back. An entry stays until acknowledged, so a crash between this script and the cluster update
 * is repaired when the batch is replayed. Fails with STALE_MODELS, having written nothing, when a
 * user already belongs to a newer version.
 */
export const applyUserEventsScript = new LuaScript(
  'apply-user-events',
  `${LUA_FUNCTIONS}
local input = cjson.decode(ARGV[1])
local models, users = input.models, input.users
local clusters, unassigned, provisional = usersClusters(models, #users, 5)
if clusters == nil then return redis.error_reply(STALE) end
local plans = {}
for i, events in ipairs(users) do plans[i] = planUser(userAt(i, 5), events) end
local outboxes, gone, goneList = {}, {}, {}
for i, plan in ipairs(plans) do
  local user = userAt(i, 5)
  local meta, outbox = user.meta, KEYS[(i - 1) * 5 + 4]
  writePlan(user, plan)
  if isGone(user.ratings, user.favs, meta) then
    gone[i] = true
    table.insert(goneList, i)
  end
  local byThreshold = {}
  for m, model in ipairs(models) do
    local c = clusters[i][m]
    if c ~= nil then
      local group = byThreshold[model.fav2] or {}
      table.insert(group, {model.v, c})
      byThreshold[model.fav2] = group
    end
  end
  for fav2, targets in pairs(byThreshold) do
    local deltas = planDeltas(plan, fav2)
    if next(deltas) ~= nil then
      local seq = redis.call('HINCRBY', meta, 'seq', 1)
      redis.call('RPUSH', outbox, cjson.encode({seq, targets, deltas}))
    end
  end
  outboxes[i] = redis.call('LRANGE', outbox, 0, -1)
end
local due = duePlacements(models, provisional, #users, 5)
return {outboxes, withoutGone(unassigned, gone), withoutGone(due, gone), goneList}
`,
);
