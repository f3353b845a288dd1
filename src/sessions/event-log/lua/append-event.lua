-- Numbers a session's event, appends it to the session's stream and publishes it, in one step, so
-- ids are consecutive across every node and a subscriber can tell a gap from a late arrival.
-- KEYS: sequence, stream, head.  ARGV: event JSON without its opening '{', MAXLEN, key TTL ms,
-- channel, '1' when the event is the session's head (session_start).
-- Returns the event's id.
local id = redis.call('INCR', KEYS[1])
local event = '{"id":' .. id .. ',' .. ARGV[1]
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '0-' .. id, 'e', event)
if ARGV[5] == '1' then
  redis.call('SET', KEYS[3], event, 'PX', ARGV[3])
else
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], event)
return id
