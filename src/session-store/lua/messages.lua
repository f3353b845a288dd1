-- A page of the history ending before index `before` (-1: the end).
-- KEYS: session, messages.  ARGV: limit, before.
-- Returns false for no session, else {total, start, message JSON...}.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local total = redis.call('LLEN', KEYS[2])
local before = tonumber(ARGV[2])
local stop = total
if before >= 0 and before < total then
  stop = before
end
local start = math.max(stop - tonumber(ARGV[1]), 0)
local page = {total, start}
if stop > start then
  for _, message in ipairs(redis.call('LRANGE', KEYS[2], start, stop - 1)) do
    table.insert(page, message)
  end
end
return page
