-- Extends a lease this node holds, or takes it back if it lapsed and nobody else took it; either way
-- the session's keys are kept from expiring while a node holds it (busy sessions are never idle).
-- KEYS: lease, session, queue, then the session's other keys.  ARGV: node, lease TTL ms, key TTL ms.
-- Returns 0 once lost; while held, 2 when messages wait and no turn runs (the node's wake-up was
-- lost), 1 otherwise.
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif not holder and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  return 0
end
for i = 2, #KEYS do
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
end
if redis.call('LLEN', KEYS[3]) > 0 and redis.call('HEXISTS', KEYS[2], 'running_id') == 0 then
  return 2
end
return 1
