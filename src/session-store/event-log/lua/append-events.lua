-- Numbers a batch of one session's events, stores it as one stream entry and publishes it (one
-- message, the same JSON array, on the session's sharded channel, in its keys' slot), in one step:
-- ids are consecutive across every node, so a subscriber can tell a gap from a late arrival.
-- KEYS: sequence, stream, head, the session's lease.
-- ARGV: events kept (EVENT_LOG_LIMIT), key TTL ms, channel, the node that must hold the lease ('' for no fence),
--       the position of a session_start in the batch (0: none), then each event's JSON without its '{'.
-- Returns the first event's id, or false when the fence fails (nothing is stored).
if ARGV[4] ~= '' and redis.call('GET', KEYS[4]) ~= ARGV[4] then
  return false
end
local count = #ARGV - 5
local last = redis.call('INCRBY', KEYS[1], count)
local first = last - count + 1
local events = {}
for i = 1, count do
  events[i] = '{"id":' .. (first + i - 1) .. ',' .. ARGV[5 + i]
end
local batch = '[' .. table.concat(events, ',') .. ']'
-- The entry's id is its first event's: a reader after id N starts at the entry holding N + 1. Entries
-- that start more than the limit before this one go (MINID ~: whole nodes at a time, cheaply).
local oldest = math.max(first - tonumber(ARGV[1]), 0)
redis.call('XADD', KEYS[2], 'MINID', '~', '0-' .. oldest, '0-' .. first, 'e', batch)
local head = tonumber(ARGV[5])
if head > 0 then
  redis.call('SET', KEYS[3], events[head], 'PX', ARGV[2])
end
-- A new log gets its expiry at once; later, claims and turns' ends refresh it.
if first == 1 then
  for i = 1, 2 do
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
  end
end
redis.call('SPUBLISH', ARGV[3], batch)
return first
