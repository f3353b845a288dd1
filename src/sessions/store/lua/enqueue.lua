-- Admits a message to a session's queue, atomically with the TURN_QUEUE_LIMIT check.
-- KEYS: session, queue, messages, lease.  ARGV: turn JSON, limit, now, key TTL ms.
-- Returns {'missing'} | {'full', waiting} | {'queued', waiting, holder or false}.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'missing'}
end
local waiting = redis.call('LLEN', KEYS[2])
local running = redis.call('HEXISTS', KEYS[1], 'running_id')
if (running == 1 or waiting > 0) and waiting >= tonumber(ARGV[2]) then
  return {'full', waiting}
end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], 'last_active_at', ARGV[3])
for i = 1, 3 do
  redis.call('PEXPIRE', KEYS[i], ARGV[4])
end
return {'queued', waiting + 1, redis.call('GET', KEYS[4])}
