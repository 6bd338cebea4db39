import { LUA_FUNCTIONS } from './lua-functions';
import { LuaScript } from './lua-script';

/**
 * Redis Cluster path, step 2 of 3: applies users' outbox deltas to cluster aggregates, each at
 * most once.
 *
 * KEYS: 4 per cluster: favourites zset, rating sums (half stars), rating counts, applied.
 * ARGV[1]: JSON, per cluster: [[userId, seq, {movieId: [sum2, count, favourite]}], ...] in seq
 *   order per user. An entry is skipped when the cluster has already applied that user's seq,
 *   which makes a replayed batch a no-op.
 */
export const applyClusterDeltasScript = new LuaScript(
  'apply-cluster-deltas',
  `${LUA_FUNCTIONS}
local input = cjson.decode(ARGV[1])
for i, entries in ipairs(input) do
  local base = (i - 1) * 4
  local favs, sums, counts, applied = KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], KEYS[base + 4]
  local done = {}
  for _, entry in ipairs(entries) do
    local user, seq, deltas = entry[1], entry[2], entry[3]
    local last = done[user]
    if last == nil then last = tonumber(redis.call('HGET', applied, user) or '0') end
    if seq > last then
      for movie, d in pairs(deltas) do applyDelta(favs, sums, counts, movie, d) end
      last = seq
    end
    done[user] = last
  end
  for user, last in pairs(done) do redis.call('HSET', applied, user, last) end
end
return 0
`,
);
