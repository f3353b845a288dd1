-- Takes a dead node off the heartbeat index, unless it beat again since it was found dead.
-- KEYS: heartbeats.  ARGV: node, the deadline it was found dead at.
local deadline = redis.call('ZSCORE', KEYS[1], ARGV[1])
if deadline and tonumber(deadline) <= tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return 1
