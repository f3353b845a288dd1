-- Admits a message to a session's queue, atomically with the TURN_QUEUE_LIMIT check. When the
-- node sending it holds the session and nothing runs or waits there, the message becomes the
-- running turn at once, returned with the latest messages of the history (no second round trip).
-- When another node holds the session, that node is told at once on its channel.
-- A session of another owner is missing, like one that does not exist.
-- KEYS: session, queue, messages, lease.
-- ARGV: turn JSON, limit, now, key TTL ms, the sending node, '1' if it could run the turn now,
--       history limit, the prefix of node channels, the message that tells a node to run the queue,
--       the sender's principal, the session's title if it has none yet (the message, cut).
-- Returns {'missing'} | {'full', waiting} | {'queued', waiting, holder or false, 1 if told}
--       | {'started', disabled tools JSON or '', history total, page start, message JSON...}.
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[10] then
  return {'missing'}
end
local waiting = redis.call('LLEN', KEYS[2])
local running = redis.call('HEXISTS', KEYS[1], 'running_id')
if (running == 1 or waiting > 0) and waiting >= tonumber(ARGV[2]) then
  return {'full', waiting}
end
redis.call('HSET', KEYS[1], 'last_active_at', ARGV[3])
redis.call('HSETNX', KEYS[1], 'title', ARGV[11])
for i = 1, 3 do
  redis.call('PEXPIRE', KEYS[i], ARGV[4])
end
local holder = redis.call('GET', KEYS[4])
if running == 0 and waiting == 0 and ARGV[6] == '1' and holder == ARGV[5] then
  redis.call('HSET', KEYS[1], 'running_id', cjson.decode(ARGV[1]).turn_id, 'running', ARGV[1], 'status', 'PROCESSING')
  local total = redis.call('LLEN', KEYS[3])
  local start = math.max(total - tonumber(ARGV[7]), 0)
  local reply = {'started', redis.call('HGET', KEYS[1], 'disabled_tools') or '', total, start}
  if total > start then
    for _, message in ipairs(redis.call('LRANGE', KEYS[3], start, total - 1)) do
      table.insert(reply, message)
    end
  end
  return reply
end
redis.call('RPUSH', KEYS[2], ARGV[1])
local told = 0
if holder and holder ~= ARGV[5] then
  told = redis.call('PUBLISH', ARGV[8] .. holder, ARGV[9]) > 0 and 1 or 0
end
return {'queued', waiting + 1, holder, told}
