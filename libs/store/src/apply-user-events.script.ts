import { FAVOURITE_MIN_RATING } from '@app/events';
import { LuaScript } from './lua-script';

/**
 * Applies a batch of events to a group of users and records each user's effect on cluster
 * aggregates in that user's outbox, atomically per call.
 *
 * KEYS: 4 per user: ratings, explicit favourites, meta, outbox (all on the user's hash tag).
 * ARGV[1]: JSON {"versions": [v...], "users": [[[kind, movieId, rating2, timestamp], ...], ...]},
 *   kind "r" for a rating or "f" for a favourite-added event, movieId as a string.
 * Returns, per user, every outbox entry not yet acknowledged.
 *
 * Ratings are last-writer-wins by (timestamp, rating), so replays, duplicates and out-of-order
 * deliveries converge on the same state. An outbox entry is [seq, [[version, cluster]...],
 * {movieId: [sum2 delta, count delta, favourite delta]}]; it stays until acknowledged, so a crash
 * between this script and the cluster update is repaired by the replay of the batch.
 */
export const applyUserEventsScript = new LuaScript(
  'apply-user-events',
  `
local FAV2 = ${FAVOURITE_MIN_RATING * 2}
local input = cjson.decode(ARGV[1])
local versions = input.versions
local result = {}
for i, events in ipairs(input.users) do
  local base = (i - 1) * 4
  local ratings, explicit, meta, outbox = KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], KEYS[base + 4]
  local deltas = {}
  local changed = false
  for _, ev in ipairs(events) do
    local kind, movie, rating2, ts = ev[1], ev[2], ev[3], ev[4]
    local old = redis.call('HGET', ratings, movie)
    local oldRating2, oldTs = nil, nil
    if old then
      local sep = string.find(old, ':', 1, true)
      oldRating2 = tonumber(string.sub(old, 1, sep - 1))
      oldTs = tonumber(string.sub(old, sep + 1))
    end
    local oldIsFavRating = oldRating2 ~= nil and oldRating2 >= FAV2
    if kind == 'r' then
      if oldTs == nil or ts > oldTs or (ts == oldTs and rating2 > oldRating2) then
        redis.call('HSET', ratings, movie, rating2 .. ':' .. ts)
        local isExplicit = redis.call('SISMEMBER', explicit, movie) == 1
        local d = deltas[movie] or {0, 0, 0}
        d[1] = d[1] + rating2 - (oldRating2 or 0)
        if oldRating2 == nil then d[2] = d[2] + 1 end
        if not isExplicit then
          d[3] = d[3] + (rating2 >= FAV2 and 1 or 0) - (oldIsFavRating and 1 or 0)
        end
        deltas[movie] = d
        changed = true
      end
    elseif redis.call('SADD', explicit, movie) == 1 and not oldIsFavRating then
      local d = deltas[movie] or {0, 0, 0}
      d[3] = d[3] + 1
      deltas[movie] = d
      changed = true
    end
  end
  if changed then
    local targets = {}
    for _, v in ipairs(versions) do
      local c = redis.call('HGET', meta, 'c:' .. v)
      if c then table.insert(targets, {v, tonumber(c)}) end
    end
    local effective = {}
    local any = false
    for movie, d in pairs(deltas) do
      if d[1] ~= 0 or d[2] ~= 0 or d[3] ~= 0 then
        effective[movie] = d
        any = true
      end
    end
    if any and #targets > 0 then
      local seq = redis.call('HINCRBY', meta, 'seq', 1)
      redis.call('RPUSH', outbox, cjson.encode({seq, targets, effective}))
    end
  end
  result[i] = redis.call('LRANGE', outbox, 0, -1)
end
return result
`,
);
