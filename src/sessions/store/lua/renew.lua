-- Extends a lease this node holds, or takes it back if it lapsed and nobody else took it.
-- KEYS: lease, session.  ARGV: node, lease TTL ms.  Returns 1 while held, 0 once lost.
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
