import { FAVOURITE_MIN_RATING } from '@app/events';

/**
 * Lua shared by the ingest scripts, so the rules live in one place.
 *
 * userDeltas(ratings, explicit, events) applies events to one user's ratings hash and explicit
 * favourites set and returns {movieId: {sum2, count, favourite}} deltas for cluster aggregates.
 * Ratings are last-writer-wins by (timestamp, rating): a replayed, duplicated or late event
 * leaves the state as it is and yields no delta. An event is [kind, movieId, rating2, timestamp]
 * with kind "r" (rating) or "f" (favourite added); rating2 is the rating in half stars.
 *
 * userContribution(ratings, explicit) is everything one user adds to a cluster's aggregates,
 * as deltas of the same shape: what a user brings when they join a cluster.
 *
 * addDeltas(acc, deltas) sums deltas into an accumulator of the same shape.
 *
 * applyDelta(favs, sums, counts, movie, d) adds one delta to a cluster's aggregates and drops
 * entries that reach zero, so the aggregates equal a from-scratch computation key for key.
 *
 * usersClusters(versions, users, keysPerUser) reads, for each of a script's users, their cluster
 * in each of the given (active) model versions from their meta hash, the third of each user's
 * keysPerUser keys. It returns the users' {version, cluster} pairs, and for each version in order
 * the (1-based) indexes of the users with no cluster in it. The users' own fields decide, not
 * the caller's view: a cluster in a version newer than the given ones means a model was
 * published after the caller looked, and the function returns nil so the script can refuse
 * before its first write. Clusters in older, inactive versions are ignored: those aggregates are
 * no longer maintained.
 */
export const LUA_FUNCTIONS = `
local FAV2 = ${FAVOURITE_MIN_RATING * 2}
local STALE = 'STALE_MODELS a model version newer than the active ones exists'

local function userDeltas(ratings, explicit, events)
  local deltas = {}
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
        local d = deltas[movie] or {0, 0, 0}
        d[1] = d[1] + rating2 - (oldRating2 or 0)
        if oldRating2 == nil then d[2] = d[2] + 1 end
        local newIsFavRating = rating2 >= FAV2
        if newIsFavRating ~= oldIsFavRating and redis.call('SISMEMBER', explicit, movie) == 0 then
          d[3] = d[3] + (newIsFavRating and 1 or -1)
        end
        deltas[movie] = d
      end
    elseif redis.call('SADD', explicit, movie) == 1 and not oldIsFavRating then
      local d = deltas[movie] or {0, 0, 0}
      d[3] = d[3] + 1
      deltas[movie] = d
    end
  end
  return deltas
end

local function userContribution(ratings, explicit)
  local deltas = {}
  local flat = redis.call('HGETALL', ratings)
  for i = 1, #flat, 2 do
    local value = flat[i + 1]
    local rating2 = tonumber(string.sub(value, 1, string.find(value, ':', 1, true) - 1))
    deltas[flat[i]] = {rating2, 1, rating2 >= FAV2 and 1 or 0}
  end
  for _, movie in ipairs(redis.call('SMEMBERS', explicit)) do
    local d = deltas[movie]
    if d == nil then
      deltas[movie] = {0, 0, 1}
    else
      d[3] = 1
    end
  end
  return deltas
end

local function addDeltas(acc, deltas)
  for movie, d in pairs(deltas) do
    local a = acc[movie] or {0, 0, 0}
    a[1], a[2], a[3] = a[1] + d[1], a[2] + d[2], a[3] + d[3]
    acc[movie] = a
  end
end

local function usersClusters(versions, users, keysPerUser)
  local active, newest = {}, 0
  for _, v in ipairs(versions) do
    active[v] = true
    newest = math.max(newest, v)
  end
  local placed, unassigned = {}, {}
  for j = 1, #versions do unassigned[j] = {} end
  for i = 1, users do
    local clusters = {}
    local flat = redis.call('HGETALL', KEYS[(i - 1) * keysPerUser + 3])
    for f = 1, #flat, 2 do
      local version = tonumber(string.match(flat[f], '^c:(%d+)$'))
      if version then
        if version > newest then return nil end
        if active[version] then clusters[version] = tonumber(flat[f + 1]) end
      end
    end
    local pairs_ = {}
    for j, v in ipairs(versions) do
      local c = clusters[v]
      if c == nil then table.insert(unassigned[j], i) else table.insert(pairs_, {v, c}) end
    end
    placed[i] = pairs_
  end
  return placed, unassigned
end

local function applyDelta(favs, sums, counts, movie, d)
  if d[1] ~= 0 then redis.call('HINCRBY', sums, movie, d[1]) end
  if d[2] ~= 0 and redis.call('HINCRBY', counts, movie, d[2]) <= 0 then
    redis.call('HDEL', counts, movie)
    redis.call('HDEL', sums, movie)
  end
  if d[3] ~= 0 and tonumber(redis.call('ZINCRBY', favs, d[3], movie)) <= 0 then
    redis.call('ZREM', favs, movie)
  end
end
`;
