-- Checks a lease this node believes it holds, or takes it back if it was let go of and nobody else
-- took it; either way the session's keys are kept from expiring (a turn may outlast their expiry).
-- KEYS: lease, session, queue, then the session's other keys.  ARGV: node, key TTL ms.
-- Returns 0 once lost; while held, 2 when messages wait and no turn runs (the node's wake-up was
-- lost), 1 otherwise.
local holder = redis.call('GET', KEYS[1])
if holder ~= ARGV[1] and (holder or redis.call('EXISTS', KEYS[2]) == 0) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
for i = 2, #KEYS do
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
if redis.call('LLEN', KEYS[3]) > 0 and redis.call('HEXISTS', KEYS[2], 'running_id') == 0 then
  return 2
end
return 1
