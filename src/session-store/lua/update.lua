-- Sets fields of a live session (never recreating an ended one) and extends its keys' expiry.
-- KEYS: session, queue, messages.  ARGV: key TTL ms, field, value, ...
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
for i = 1, 3 do
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
return 1
