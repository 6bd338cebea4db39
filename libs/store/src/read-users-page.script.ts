import { LuaScript } from './lua-script';

/**
 * A page of users for a snapshot read, in one call: each user's ratings and explicit favourites
 * as one comma-joined string each ("movie,value,movie,value,..."), so thousands of values come
 * back as one bulk reply to scan rather than thousands of replies to turn into objects, and the
 * version of the user's state (`v` in their meta hash: every change of ratings or favourites
 * counts one), which a recluster compares when it joins the user to their new cluster.
 *
 * KEYS: 3 per user: ratings, explicit favourites, meta. Returns, per user, [ratings, favourites,
 * state version].
 */
export const readUsersPageScript = new LuaScript(
  'read-users-page',
  `
local result = {}
for i = 1, #KEYS / 3 do
  local base = (i - 1) * 3
  result[i] = {
    table.concat(redis.call('HGETALL', KEYS[base + 1]), ','),
    table.concat(redis.call('HGETALL', KEYS[base + 2]), ','),
    redis.call('HGET', KEYS[base + 3], 'v') or '0',
  }
end
return result
`,
);
