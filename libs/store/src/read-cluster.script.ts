import { LUA_FUNCTIONS } from './lua-functions';
import { LuaScript } from './lua-script';

/**
 * A cluster's aggregates whole, with the last entry of its change stream they include, in one
 * atomic call: a reader then follows the stream from there (readClusterChangesScript). Each
 * aggregate comes back as one comma-joined string ("movie,value,movie,value,..."), one bulk reply
 * to scan rather than thousands of replies to turn into objects.
 *
 * KEYS: RedisKeys.clusterAggregateKeys. Returns [last change, favourites, rating sums in half
 * stars, rating counts].
 */
export const readClusterScript = new LuaScript(
  'read-cluster',
  `${LUA_FUNCTIONS}
return {
  lastChange(KEYS[4]),
  table.concat(redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES'), ','),
  table.concat(redis.call('HGETALL', KEYS[2]), ','),
  table.concat(redis.call('HGETALL', KEYS[3]), ','),
}
`,
);

/**
 * What changed in a cluster's aggregates since a change a reader saw: the movies of the stream
 * entries after it, and their current values, in one atomic call, so the cost follows the
 * changes, not the catalogue.
 *
 * KEYS: RedisKeys.clusterAggregateKeys. ARGV: the last change seen; the most entries to read.
 * Returns [last change] when nothing changed; [-1] when entries after the one seen are gone
 * (trimmed, or the stream started over) or more than the most to read: the reader reads the
 * cluster whole instead; else [last change, movies, rating sums in half stars, rating counts,
 * favourites], comma-joined, a movie's values empty where it has none.
 */
export const readClusterChangesScript = new LuaScript(
  'read-cluster-changes',
  `${LUA_FUNCTIONS}
local since, most = tonumber(ARGV[1]), tonumber(ARGV[2])
local last = lastChange(KEYS[4])
if last == since then return {last} end
if last < since or last - since > most then return {-1} end
local entries = redis.call('XRANGE', KEYS[4], '(0-' .. since, '+', 'COUNT', most)
local first = entries[1]
if first == nil or tonumber(string.match(first[1], '%-(%d+)$')) ~= since + 1 then return {-1} end
local movies, seen = {}, {}
for _, entry in ipairs(entries) do
  for movie in string.gmatch(entry[2][2], '[^,]+') do
    if not seen[movie] then
      seen[movie] = true
      movies[#movies + 1] = movie
    end
  end
end
-- In slices: unpack() of a long list would overflow Lua's stack. A missing value is false.
local function valuesOf(command, key)
  local values = {}
  for i = 1, #movies, 1000 do
    local slice = redis.call(command, key, unpack(movies, i, math.min(i + 999, #movies)))
    for j = 1, #slice do values[#values + 1] = slice[j] or '' end
  end
  return table.concat(values, ',')
end
return {last, table.concat(movies, ','), valuesOf('HMGET', KEYS[2]), valuesOf('HMGET', KEYS[3]),
  valuesOf('ZMSCORE', KEYS[1])}
`,
);
