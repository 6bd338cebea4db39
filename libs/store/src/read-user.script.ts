import { LuaScript } from './lua-script';

/**
 * Everything a request needs of one user, in one command: their fields (cluster per model
 * version), ratings, explicit favourites, profile and hidden movies. Ratings, favourites and
 * hidden movies come back as one comma-joined string each: a user with thousands of ratings is
 * then one bulk reply to decode, not thousands, which is most of a request's cost in the query
 * service.
 *
 * KEYS: meta, ratings, explicit favourites, profile, hidden movies (one user's hash tag, so one
 *   node answers on Redis Cluster too).
 * Returns [meta as flat field/value list, "movie,value,movie,value,...", likewise for
 *   favourites, profile as flat field/value list, "movie,movie,..." of the hidden movies].
 */
export const readUserScript = new LuaScript(
  'read-user',
  `
return {
  redis.call('HGETALL', KEYS[1]),
  table.concat(redis.call('HGETALL', KEYS[2]), ','),
  table.concat(redis.call('HGETALL', KEYS[3]), ','),
  redis.call('HGETALL', KEYS[4]),
  table.concat(redis.call('HKEYS', KEYS[5]), ','),
}
`,
);
