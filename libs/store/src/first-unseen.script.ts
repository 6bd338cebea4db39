import { LuaScript } from './lua-script';

/**
 * The first `limit` candidate movies (in the given order) that a user has neither rated nor
 * favourited. Only the answer travels back, however many movies the user rated.
 *
 * KEYS: ratings, explicit favourites (one user's hash tag). ARGV: limit, and the candidate ids
 * joined by commas: one argument, however long the list, and read only as far as needed.
 */
export const firstUnseenScript = new LuaScript(
  'first-unseen',
  `
local limit = tonumber(ARGV[1])
local unseen = {}
for movie in string.gmatch(ARGV[2], '[^,]+') do
  if #unseen >= limit then break end
  if redis.call('HEXISTS', KEYS[1], movie) == 0 and redis.call('SISMEMBER', KEYS[2], movie) == 0 then
    unseen[#unseen + 1] = movie
  end
end
return unseen
`,
);
