import type { Redis } from 'ioredis';

import type { SessionRecord } from '../contract/session-record';
import type { RedisKeys } from '../redis/redis-keys';
import type { Creation, SessionKey, SessionLimits } from './session-store';

// The cluster-wide indexes of sessions (by creation, by owner, by activity): a session is created
// into them within its limits, and listings read pages from them.

// Index entries checked per round trip when pruning.
const PRUNE_BATCH = 500;

/**
 * Stores a new session's hash and adds it to the indexes, unless that takes the cluster or its
 * owner past a limit (then it is taken out again). Adding and counting are one MULTI per index, so
 * concurrent creates on any node see distinct counts. Before refusing, the index over its limit
 * drops the entries whose session is gone (keys expired while no node swept them) and counts again.
 */
export async function createIndexed(
  client: Redis,
  keys: RedisKeys,
  record: SessionRecord,
  limits: SessionLimits,
  keyTtlMs: number,
): Promise<Creation> {
  const key = keys.session(record.id);
  const byCreation = keys.sessionsByCreation();
  const owned = keys.sessionsOf(record.owner);
  await client
    .multi()
    .hset(key, {
      owner: record.owner,
      created_at: record.created_at,
      last_active_at: record.last_active_at,
      turns: 0,
      status: record.status,
      ...(record.model ? { model: record.model } : {}),
    })
    .pexpire(key, keyTtlMs)
    .exec();
  // One MULTI per index: each touches one key (one slot, as Redis Cluster requires), sent together.
  const [all, ofOwner] = await Promise.all([
    client.multi().zadd(byCreation, record.created_at, record.id).zcard(byCreation).exec(),
    client.multi().zadd(owned, record.created_at, record.id).zcard(owned).exec(),
  ]);
  let total = Number(all?.[1]?.[1] ?? Infinity);
  let ownedCount = Number(ofOwner?.[1]?.[1] ?? Infinity);
  if (total > limits.total) {
    total -= await pruneIndex(client, keys, byCreation, [keys.sessionsByActivity()]);
  }
  if (limits.perOwner !== undefined && ownedCount > limits.perOwner) {
    ownedCount -= await pruneIndex(client, keys, owned);
  }
  const refused: Creation | undefined =
    total > limits.total
      ? 'too_many'
      : limits.perOwner !== undefined && ownedCount > limits.perOwner
        ? 'too_many_for_owner'
        : undefined;
  if (refused) {
    await Promise.all([client.zrem(byCreation, record.id), client.zrem(owned, record.id), client.del(key)]);
    return refused;
  }
  await client.zadd(keys.sessionsByActivity(), record.last_active_at, record.id);
  return 'created';
}

/**
 * Drops from the index (and from `alsoFrom`) every id whose session hash is gone; how many it dropped.
 * Read in batches, each checked in one pipelined round trip, so the cluster's layout does not matter.
 */
export async function pruneIndex(
  client: Redis,
  keys: RedisKeys,
  index: string,
  alsoFrom: string[] = [],
): Promise<number> {
  let dropped = 0;
  for (let start = 0; ; start += PRUNE_BATCH) {
    const ids = await client.zrange(index, String(start), String(start + PRUNE_BATCH - 1));
    const exists = await Promise.all(ids.map((id) => client.exists(keys.session(id))));
    const gone = ids.filter((_, i) => exists[i] === 0);
    if (gone.length > 0) {
      await Promise.all([index, ...alsoFrom].map((key) => client.zrem(key, ...gone)));
      dropped += gone.length;
      // What followed them has moved up by as many places.
      start -= gone.length;
    }
    if (ids.length < PRUNE_BATCH) {
      return dropped;
    }
  }
}

/**
 * [id, created_at] of up to `count` sessions after the key, newest first, from a ZSET scored by
 * creation time (equal scores come in reverse id order, as newestFirst wants).
 */
export async function newestAfter(
  client: Redis,
  key: string,
  count: number,
  after?: SessionKey,
): Promise<[string, number][]> {
  const found: [string, number][] = [];
  let offset = 0;
  // Sessions created in the same millisecond as the cursor are skipped by id; that rarely takes a second read.
  for (;;) {
    const batch = await client.zrevrangebyscore(
      key,
      after ? after.created_at : '+inf',
      '-inf',
      'WITHSCORES',
      'LIMIT',
      offset,
      count,
    );
    for (let i = 0; i < batch.length; i += 2) {
      const entry: [string, number] = [batch[i], Number(batch[i + 1])];
      if (!after || entry[1] < after.created_at || entry[0] < after.id) {
        found.push(entry);
      }
    }
    offset += batch.length / 2;
    if (found.length >= count || batch.length / 2 < count) {
      return found.slice(0, count);
    }
  }
}
