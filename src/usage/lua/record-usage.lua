-- Adds one turn's tokens to a principal's day, in one step: input, output and the turn, for the
-- model that answered. The day's hash gets its expiry (the day's end plus the retention) with the
-- first turn of a model; the caller names the principal in the day's index then (another slot).
-- KEYS: the principal's day hash.  ARGV: model id, input tokens, output tokens, expiry (epoch ms).
-- Returns the model's turns that day (1: its first).
redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':i', ARGV[2])
redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':o', ARGV[3])
local turns = redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':n', 1)
if turns == 1 then
  redis.call('PEXPIREAT', KEYS[1], ARGV[4])
end
return turns
