import { LUA_FUNCTIONS } from './lua-functions';
import { LuaScript } from './lua-script';

/**
 * Single-node path: applies events to a group of users and to the cluster aggregates of the
 * given models in one atomic call. Atomicity is what makes it idempotent: a replayed event finds
 * the user's state already changed, yields no delta, and so adds nothing twice.
 *
 * KEYS: 4 per user (ratings, explicit favourites, meta, hidden movies), then 4 per cluster of
 *   each model in order (RedisKeys.clusterAggregateKeys).
 * ARGV[1]: JSON {"models": [{"v", "k", "fav2"}...], "users": [[event, ...], ...]} (see
 *   LUA_FUNCTIONS). Deltas are summed per cluster and movie before they are written.
 * Returns [unassigned, due, gone]: for each model in order, the (1-based) indexes of the users
 * with no cluster in it, and of the provisionally placed users whose placement is due again; and
 * the indexes of deleted users the events did not bring back (see isGone), who are left out of
 * the first two. Fails with STALE_MODELS, having written nothing, when a user already belongs to
 * a version newer than the given ones.
 */
export const applyEventsScript = new LuaScript(
  'apply-events',
  `${LUA_FUNCTIONS}
local input = cjson.decode(ARGV[1])
local models, users = input.models, input.users
local base, offset = {}, #users * 4
for m, model in ipairs(models) do
  base[m] = offset
  offset = offset + model.k * 4
end
local clusters, unassigned, provisional = usersClusters(models, #users, 4)
if clusters == nil then return redis.error_reply(STALE) end
local plans = {}
for i, events in ipairs(users) do plans[i] = planUser(userAt(i, 4), events) end
local pending, gone, goneList = {}, {}, {}
for i, plan in ipairs(plans) do
  local user = userAt(i, 4)
  writePlan(user, plan)
  if isGone(user.ratings, user.favs, user.meta) then
    gone[i] = true
    table.insert(goneList, i)
  end
  for m, model in ipairs(models) do
    local c = clusters[i][m]
    if c ~= nil then
      local tb = base[m] + c * 4
      local acc = pending[tb] or {}
      addDeltas(acc, planDeltas(plan, model.fav2), 1)
      pending[tb] = acc
    end
  end
end
applyPending(pending)
local due = duePlacements(models, provisional, #users, 4)
return {withoutGone(unassigned, gone), withoutGone(due, gone), goneList}
`,
);
