-- Adds a principal's server unless one of that name exists or they have `max` already, in one step.
-- KEYS: the owner's servers hash.  ARGV: name, server JSON, max.
-- Returns 'created', 'taken' or 'limit'.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return 'taken'
end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return 'limit'
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 'created'
