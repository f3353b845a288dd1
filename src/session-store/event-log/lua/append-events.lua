-- Numbers a batch of one session's events, appends them to the session's stream and publishes them
-- (one message, a JSON array, on the session's sharded channel, in its keys' slot), in one step: ids are consecutive across every node, so a subscriber
-- can tell a gap from a late arrival.
-- KEYS: sequence, stream, head, the session's lease.
-- ARGV: MAXLEN, key TTL ms, channel, the node that must hold the lease ('' for no fence), the
--       position of a session_start in the batch (0: none), then each event's JSON without its '{'.
-- Returns the first event's id, or false when the fence fails (nothing is stored).
if ARGV[4] ~= '' and redis.call('GET', KEYS[4]) ~= ARGV[4] then
  return false
end
local count = #ARGV - 5
local last = redis.call('INCRBY', KEYS[1], count)
local first = last - count + 1
local events = {}
for i = 1, count do
  local id = first + i - 1
  local event = '{"id":' .. id .. ',' .. ARGV[5 + i]
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '0-' .. id, 'e', event)
  if i == tonumber(ARGV[5]) then
    redis.call('SET', KEYS[3], event, 'PX', ARGV[2])
  end
  events[i] = event
end
-- A new log gets its expiry at once; later, claims, renewals and each turn's end refresh it.
if first == 1 then
  for i = 1, 3 do
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
  end
end
redis.call('SPUBLISH', ARGV[3], '[' .. table.concat(events, ',') .. ']')
return first
