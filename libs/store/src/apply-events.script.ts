import { LuaScript } from './lua-script';
import { LUA_FUNCTIONS } from './lua-snippets';

/**
 * Single-node path: applies events to a group of users and to the cluster aggregates of the
 * active model versions in one atomic call. Atomicity is what makes it idempotent: a replayed
 * event finds the user's state already changed, yields no delta, and so adds nothing twice.
 *
 * KEYS: 3 per user (ratings, explicit favourites, meta), then 3 per target cluster (favourites,
 *   rating sums, rating counts) in the order of ARGV's targets.
 * ARGV[1]: JSON {"versions": [v...], "targets": ["v:c", ...], "users": [[event, ...], ...]}.
 * Deltas are summed per cluster and movie before they are written.
 * Returns, for each version in order, the (1-based) indexes of the users who have no cluster in
 * it, so the caller can place them. Fails with STALE_MODELS, having written nothing, when a user
 * already belongs to a version newer than the given ones.
 */
export const applyEventsScript = new LuaScript(
  'apply-events',
  `${LUA_FUNCTIONS}
local input = cjson.decode(ARGV[1])
local targetBase = {}
local userKeys = #input.users * 3
for t, target in ipairs(input.targets) do targetBase[target] = userKeys + (t - 1) * 3 end
-- Every user's clusters are looked up before anything is written: a script that fails midway
-- keeps what it wrote, so it must fail before its first write.
local placed, unassigned = usersClusters(input.versions, #input.users, 3)
if placed == nil then return redis.error_reply(STALE) end
local userTargets = {}
for i, clusters in ipairs(placed) do
  local targets = {}
  for _, vc in ipairs(clusters) do
    local tb = targetBase[vc[1] .. ':' .. vc[2]]
    if tb == nil then
      return redis.error_reply('cluster ' .. vc[2] .. ' is outside model ' .. vc[1])
    end
    table.insert(targets, tb)
  end
  userTargets[i] = targets
end
local pending = {}
for i, events in ipairs(input.users) do
  local base = (i - 1) * 3
  local deltas = userDeltas(KEYS[base + 1], KEYS[base + 2], events)
  for _, tb in ipairs(userTargets[i]) do
    local acc = pending[tb] or {}
    addDeltas(acc, deltas)
    pending[tb] = acc
  end
end
for tb, acc in pairs(pending) do
  for movie, d in pairs(acc) do applyDelta(KEYS[tb + 1], KEYS[tb + 2], KEYS[tb + 3], movie, d) end
end
return unassigned
`,
);
