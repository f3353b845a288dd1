-- Makes the next queued message the running turn, if this node still holds the session.
-- KEYS: session, queue, lease.  ARGV: node.
-- Returns {'lost'} | {'idle'} | {'started', turn JSON}.
if redis.call('GET', KEYS[3]) ~= ARGV[1] or redis.call('EXISTS', KEYS[1]) == 0 then
  return {'lost'}
end
if redis.call('HEXISTS', KEYS[1], 'running_id') == 1 then
  return {'idle'}
end
local turn = redis.call('LPOP', KEYS[2])
if not turn then
  return {'idle'}
end
redis.call('HSET', KEYS[1], 'running_id', cjson.decode(turn).turn_id, 'running', turn)
return {'started', turn}
