-- Replaces a principal's server only if it exists (an update never recreates a deleted one).
-- KEYS: the owner's servers hash.  ARGV: name, server JSON.  Returns 1, or 0 when there is none.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
