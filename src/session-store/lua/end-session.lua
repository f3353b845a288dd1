-- Deletes a session; only the first caller gets what was running and queued.
-- KEYS: session, queue, messages, lease.
-- Returns false when already gone, else {owner, running turn JSON or '', queued turn JSON...}.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local owner = redis.call('HGET', KEYS[1], 'owner') or ''
local running = redis.call('HGET', KEYS[1], 'running') or ''
local queued = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
table.insert(queued, 1, running)
table.insert(queued, 1, owner)
return queued
