import { LuaScript } from './lua-script';

/**
 * Drops outbox entries whose cluster deltas are applied.
 *
 * KEYS: 1 per user: the outbox. ARGV: per user, the highest applied seq.
 */
export const ackOutboxScript = new LuaScript(
  'ack-outbox',
  `
for i, outbox in ipairs(KEYS) do
  local acked = tonumber(ARGV[i])
  while true do
    local head = redis.call('LINDEX', outbox, 0)
    if not head or tonumber(string.match(head, '^%[(%d+),')) > acked then break end
    redis.call('LPOP', outbox)
  end
end
return 0
`,
);
