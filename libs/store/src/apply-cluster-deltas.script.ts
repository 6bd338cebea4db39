import { LUA_FUNCTIONS } from './lua-functions';
import { LuaScript } from './lua-script';

/**
 * Redis Cluster path, step 2 of 3: applies users' outbox deltas to cluster aggregates, each at
 * most once.
 *
 * KEYS: 5 per cluster: RedisKeys.clusterAggregateKeys (favourites, rating sums in half stars,
 *   rating counts, changes), then applied.
 * ARGV[1]: JSON, per cluster: [[userId, seq, {movieId: [sum2, count, favourite]}], ...] in seq
 *   order per user. An entry is skipped when the cluster has already applied that user's seq,
 *   which makes a replayed batch a no-op.
 */
export const applyClusterDeltasScript = new LuaScript(
  'apply-cluster-deltas',
  `${LUA_FUNCTIONS}
local input = cjson.decode(ARGV[1])
for i, entries in ipairs(input) do
  local base = (i - 1) * 5
  local applied = KEYS[base + 5]
  local done, acc = {}, {}
  for _, entry in ipairs(entries) do
    local user, seq, deltas = entry[1], entry[2], entry[3]
    local last = done[user]
    if last == nil then last = tonumber(redis.call('HGET', applied, user) or '0') end
    if seq > last then
      addDeltas(acc, deltas, 1)
      last = seq
    end
    done[user] = last
  end
  applyToCluster(KEYS, base, acc)
  for user, last in pairs(done) do redis.call('HSET', applied, user, last) end
end
return 0
`,
);
