import type { Redis } from 'ioredis';

import type { SessionKey } from './session-store';

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
