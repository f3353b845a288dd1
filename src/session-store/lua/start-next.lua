-- Makes the next queued message the running turn, if this node still holds the session, and
-- returns it with the latest messages of the history, the session's tool switches and model, so the
-- turn starts without a second read.
-- KEYS: session, queue, lease, messages.  ARGV: node, history limit.
-- Returns {'lost'} | {'idle'}
--       | {'started', turn JSON, disabled tools JSON or '', model id or '', history total, page start,
--          message JSON...}.
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
redis.call('HSET', KEYS[1], 'running_id', cjson.decode(turn).turn_id, 'running', turn, 'status', 'PROCESSING')
local total = redis.call('LLEN', KEYS[4])
local start = math.max(total - tonumber(ARGV[2]), 0)
local settings = redis.call('HMGET', KEYS[1], 'disabled_tools', 'model')
local reply = {'started', turn, settings[1] or '', settings[2] or '', total, start}
if total > start then
  for _, message in ipairs(redis.call('LRANGE', KEYS[4], start, total - 1)) do
    table.insert(reply, message)
  end
end
return reply
