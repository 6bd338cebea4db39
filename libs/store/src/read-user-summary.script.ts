import { LuaScript } from './lua-script';

/**
 * What a recommendation needs of one user, in one command: their cluster fields, the movies
 * they rated and explicitly favourited, and their profile. Movie ids come back as one
 * comma-joined string per key: a user with thousands of ratings is then one bulk reply to
 * decode, not thousands, and no rating value is read.
 *
 * KEYS: meta, ratings, explicit favourites, profile (one user's hash tag).
 * Returns [meta as flat field/value list, "movie,movie,...", "movie,movie,...", profile as flat
 *   field/value list].
 */
export const readUserSummaryScript = new LuaScript(
  'read-user-summary',
  `
return {
  redis.call('HGETALL', KEYS[1]),
  table.concat(redis.call('HKEYS', KEYS[2]), ','),
  table.concat(redis.call('SMEMBERS', KEYS[3]), ','),
  redis.call('HGETALL', KEYS[4]),
}
`,
);
