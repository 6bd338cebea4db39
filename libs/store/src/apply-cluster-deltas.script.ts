import { LuaScript } from './lua-script';

/**
 * Applies users' outbox deltas to cluster aggregates, each at most once.
 *
 * KEYS: 4 per cluster: favourites zset, rating sums (half stars), rating counts, applied.
 * ARGV[1]: JSON, per cluster: [[userId, seq, {movieId: [sum2, count, favourites]}], ...] in seq
 *   order per user. An entry is skipped when the cluster has already applied that user's seq,
 *   which makes a replayed batch a no-op. Entries that reach zero are removed, so the aggregates
 *   equal a from-scratch computation key for key.
 */
export const applyClusterDeltasScript = new LuaScript(
  'apply-cluster-deltas',
  `
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
      for movie, d in pairs(deltas) do
        if d[1] ~= 0 then redis.call('HINCRBY', sums, movie, d[1]) end
        if d[2] ~= 0 and redis.call('HINCRBY', counts, movie, d[2]) <= 0 then
          redis.call('HDEL', counts, movie)
          redis.call('HDEL', sums, movie)
        end
        if d[3] ~= 0 and tonumber(redis.call('ZINCRBY', favs, d[3], movie)) <= 0 then
          redis.call('ZREM', favs, movie)
        end
      end
      last = seq
    end
    done[user] = last
  end
  for user, last in pairs(done) do redis.call('HSET', applied, user, last) end
end
return 0
`,
);
