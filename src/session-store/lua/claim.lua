-- Takes a session's lease unless another live node holds it: ARGV[4] names a holder the caller found
-- dead, whose lease counts as free. A turn the previous holder left running is recorded as
-- interrupted: the user's words stay in the history, marked.
-- KEYS: session, lease, queue, messages, then the session's other keys (their expiry is renewed).
-- ARGV: node, only with work (1/0), key TTL ms, the dead holder or ''.
-- Returns {'missing'} | {'held', holder} | {'idle'} | {'claimed', interrupted turn JSON or '', status, owner}.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'missing'}
end
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[1] and holder ~= ARGV[4] then
  return {'held', holder}
end
local running = redis.call('HGET', KEYS[1], 'running')
if ARGV[2] == '1' and not running and redis.call('LLEN', KEYS[3]) == 0 then
  if holder and holder == ARGV[4] then
    redis.call('DEL', KEYS[2])
  end
  return {'idle'}
end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
for i = 1, #KEYS do
  if i ~= 2 then
    redis.call('PEXPIRE', KEYS[i], ARGV[3])
  end
end
local status = redis.call('HGET', KEYS[1], 'status') or 'IDLE'
local owner = redis.call('HGET', KEYS[1], 'owner') or ''
if not running then
  return {'claimed', '', status, owner}
end
redis.call('HDEL', KEYS[1], 'running_id', 'running')
local turn = cjson.decode(running)
redis.call('RPUSH', KEYS[4], cjson.encode({role = 'user', content = turn.content, incomplete = 'interrupted'}))
redis.call('HINCRBY', KEYS[1], 'shown', 1)
return {'claimed', running, status, owner}
