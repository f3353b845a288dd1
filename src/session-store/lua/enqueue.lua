-- Admits a message to a session's queue, atomically with the TURN_QUEUE_LIMIT check. When the
-- node sending it holds the session and nothing runs or waits there, the message becomes the
-- running turn at once, returned with the latest messages of the history (no second round trip).
-- When another node holds the session, it is named, for the caller to tell it (its channel is in
-- another slot, which a script on Redis Cluster may not publish to).
-- A session of another owner is missing, like one that does not exist.
-- KEYS: session, queue, messages, lease.
-- ARGV: turn JSON, limit, now, key TTL ms, the sending node, '1' if it could run the turn now,
--       history limit, the sender's principal, the session's title if it has none yet (the message, cut).
-- Returns {'missing'} | {'full', waiting} | {'queued', waiting, holder or false}
--       | {'started', disabled tools JSON or '', model id or '', history total, page start, message JSON...}.
local state = redis.call('HMGET', KEYS[1], 'owner', 'running_id', 'title', 'disabled_tools', 'model')
if state[1] ~= ARGV[8] then
  return {'missing'}
end
local waiting = redis.call('LLEN', KEYS[2])
local running = state[2] ~= false
if (running or waiting > 0) and waiting >= tonumber(ARGV[2]) then
  return {'full', waiting}
end
local holder = redis.call('GET', KEYS[4])
local fields = {'last_active_at', ARGV[3]}
if not state[3] then
  table.insert(fields, 'title')
  table.insert(fields, ARGV[9])
end
if not running and waiting == 0 and ARGV[6] == '1' and holder == ARGV[5] then
  for _, field in ipairs({'running_id', cjson.decode(ARGV[1]).turn_id, 'running', ARGV[1], 'status', 'PROCESSING'}) do
    table.insert(fields, field)
  end
  redis.call('HSET', KEYS[1], unpack(fields))
  local total = redis.call('LLEN', KEYS[3])
  local start = math.max(total - tonumber(ARGV[7]), 0)
  local reply = {'started', state[4] or '', state[5] or '', total, start}
  if total > start then
    for _, message in ipairs(redis.call('LRANGE', KEYS[3], start, total - 1)) do
      table.insert(reply, message)
    end
  end
  return reply
end
redis.call('HSET', KEYS[1], unpack(fields))
-- A queue made here gets its expiry; each turn's end keeps the session's keys from expiring.
if redis.call('RPUSH', KEYS[2], ARGV[1]) == 1 then
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
return {'queued', waiting + 1, holder}
