-- Ends the running turn: appends its messages (never rewrites the history), counts it if completed,
-- and sets the session's status, in one step; the session's keys, its event log's among them, are kept
-- from expiring once per turn, here.
-- KEYS: session, messages, queue, events, event sequence, event head, lease.
-- ARGV: turn id, now, completed (1/0), key TTL ms, status, conversation messages among them
--       (counted in `shown`), message JSON...
-- Returns 1, or 0 when that turn is no longer the running one.
if redis.call('HGET', KEYS[1], 'running_id') ~= ARGV[1] then
  return 0
end
redis.call('HDEL', KEYS[1], 'running_id', 'running')
if #ARGV > 6 then
  redis.call('RPUSH', KEYS[2], unpack(ARGV, 7))
end
redis.call('HINCRBY', KEYS[1], 'shown', ARGV[6])
if ARGV[3] == '1' then
  redis.call('HINCRBY', KEYS[1], 'turns', 1)
end
redis.call('HSET', KEYS[1], 'last_active_at', ARGV[2], 'status', ARGV[5])
for i = 1, #KEYS do
  redis.call('PEXPIRE', KEYS[i], ARGV[4])
end
return 1
