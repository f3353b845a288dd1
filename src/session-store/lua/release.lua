-- Lets go of a lease, if this node still holds it.  KEYS: lease.  ARGV: node.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 1
