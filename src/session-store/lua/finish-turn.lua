-- Ends the running turn: appends its messages (never rewrites the history), counts it if completed,
-- sets the session's status, appends the turn's last events to the event log (numbered, one stream
-- entry, published on the session's channel, as append-events does) and, when asked for its node,
-- starts the next queued turn (without history: the holder keeps it), in one step. The running
-- turn's id is the fence: a node that lost the session finds another (or none) there. The session's
-- keys each got an expiry when made; they are all kept from expiring here, once less than half is left.
-- With an eighth key (one Redis, never a cluster: it is in the principal's slot), the turn's tokens
-- are added to that usage hash first, as usage/lua/record-usage.lua does, fenced or not.
-- KEYS: session, messages, queue, events, event sequence, event head, lease[, usage hash].
-- ARGV: turn id, now, completed (1/0), key TTL ms, status, conversation messages among them
--       (counted in `shown`), the node to start the next turn for or '', how many messages, the
--       session's channel, events kept (EVENT_LOG_LIMIT), the usage's model, input and output
--       tokens and expiry (epoch ms) or four '', then the messages' JSON, then each event's JSON
--       without its '{'.
-- Returns false when that turn is no longer the running one; else {history total, next turn JSON or
-- '', disabled tools JSON or '', first event id or 0, model id or ''}.
if KEYS[8] then
  redis.call('HINCRBY', KEYS[8], ARGV[11] .. ':i', ARGV[12])
  redis.call('HINCRBY', KEYS[8], ARGV[11] .. ':o', ARGV[13])
  if redis.call('HINCRBY', KEYS[8], ARGV[11] .. ':n', 1) == 1 then
    redis.call('PEXPIREAT', KEYS[8], ARGV[14])
  end
end
local state = redis.call('HMGET', KEYS[1], 'running_id', 'shown', 'turns', 'disabled_tools', 'model')
if state[1] ~= ARGV[1] then
  return false
end
local messages = tonumber(ARGV[8])
local total
if messages > 0 then
  total = redis.call('RPUSH', KEYS[2], unpack(ARGV, 15, 14 + messages))
  if total == messages then
    redis.call('PEXPIRE', KEYS[2], ARGV[4])
  end
else
  total = redis.call('LLEN', KEYS[2])
end
local shown = (tonumber(state[2]) or 0) + tonumber(ARGV[6])
local turns = (tonumber(state[3]) or 0) + (ARGV[3] == '1' and 1 or 0)
local next = ARGV[7] ~= '' and redis.call('GET', KEYS[7]) == ARGV[7] and redis.call('LPOP', KEYS[3])
if next then
  redis.call('HSET', KEYS[1], 'last_active_at', ARGV[2], 'status', 'PROCESSING', 'shown', shown, 'turns', turns,
    'running_id', cjson.decode(next).turn_id, 'running', next)
else
  redis.call('HSET', KEYS[1], 'last_active_at', ARGV[2], 'status', ARGV[5], 'shown', shown, 'turns', turns)
  redis.call('HDEL', KEYS[1], 'running_id', 'running')
end
local first = 0
local count = #ARGV - 14 - messages
if count > 0 then
  first = redis.call('INCRBY', KEYS[5], count) - count + 1
  local events = {}
  for i = 1, count do
    events[i] = '{"id":' .. (first + i - 1) .. ',' .. ARGV[14 + messages + i]
  end
  local batch = '[' .. table.concat(events, ',') .. ']'
  local oldest = math.max(first - tonumber(ARGV[10]), 0)
  redis.call('XADD', KEYS[4], 'MINID', '~', '0-' .. oldest, '0-' .. first, 'e', batch)
  redis.call('SPUBLISH', ARGV[9], batch)
end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) / 2 then
  for i = 1, 7 do
    redis.call('PEXPIRE', KEYS[i], ARGV[4])
  end
end
return {total, next or '', state[4] or '', first, state[5] or ''}
