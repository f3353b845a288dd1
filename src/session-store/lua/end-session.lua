-- Deletes a session; only the first caller gets what was running and queued. Given the idle sweep's
-- cutoff, only a session still idle: no turn running or queued, no activity after the cutoff.
-- KEYS: session, queue, messages, lease.  ARGV: the cutoff (epoch ms) or ''.
-- Returns false when already gone, 'active' when kept, else {owner, holder or '', running turn JSON or '', queued turn JSON...}.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
if ARGV[1] ~= '' then
  local active = tonumber(redis.call('HGET', KEYS[1], 'last_active_at') or '0') > tonumber(ARGV[1])
  if active or redis.call('HEXISTS', KEYS[1], 'running_id') == 1 or redis.call('LLEN', KEYS[2]) > 0 then
    return 'active'
  end
end
local owner = redis.call('HGET', KEYS[1], 'owner') or ''
local running = redis.call('HGET', KEYS[1], 'running') or ''
local holder = redis.call('GET', KEYS[4]) or ''
local queued = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
table.insert(queued, 1, running)
table.insert(queued, 1, holder)
table.insert(queued, 1, owner)
return queued
