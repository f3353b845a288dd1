import { join } from 'node:path';

import type { SessionStatus } from '../contract/session-status';
import type { RedisKeys } from '../redis/redis-keys';
import { RedisScript, storeCall } from '../redis/redis-script';
import type { RedisService } from '../redis/redis.service';
import type { Claim, QueuedTurn, Renewal } from './session-store';

const LUA = join(__dirname, 'lua');

/**
 * The leases of RedisSessionStore: which node holds each session. A lease is a key expiring after
 * TURN_LEASE_MS; the ZSET of deadlines is where nodes find the sessions whose holder let go or died.
 */
export class RedisSessionLeases {
  private readonly keys: RedisKeys;
  private readonly scripts;

  constructor(
    private readonly redis: RedisService,
    private readonly keyTtlMs: number,
  ) {
    this.keys = redis.keys;
    const script = <T>(file: string, keys: number) => new RedisScript<T>(redis.commands, LUA, file, keys);
    this.scripts = {
      claim: script<[string, string?, string?, string?]>('claim.lua', 7),
      renew: script<number>('renew.lua', 7),
      release: script<number>('release.lua', 1),
    };
  }

  async claim(id: string, node: string, ttlMs: number, onlyWithWork: boolean): Promise<Claim> {
    const [state, detail, status, owner] = await this.scripts.claim.run(
      [this.keys.session(id), this.keys.lease(id), ...this.others(id)],
      [node, ttlMs, onlyWithWork ? 1 : 0, this.keyTtlMs],
    );
    switch (state) {
      case 'claimed':
        await storeCall(this.redis.commands.zadd(this.keys.leaseDeadlines(), Date.now() + ttlMs, id));
        return {
          state,
          status: status as SessionStatus,
          owner: owner ?? '',
          interrupted: detail ? (JSON.parse(detail) as QueuedTurn) : undefined,
        };
      case 'held':
        return { state, holder: detail ?? '' };
      case 'idle':
        // Nothing to take over: the session waits, unheld, for its next message.
        await storeCall(this.redis.commands.zrem(this.keys.leaseDeadlines(), id));
        return { state };
      default:
        await storeCall(this.redis.commands.zrem(this.keys.leaseDeadlines(), id));
        return { state: 'missing' };
    }
  }

  async renew(ids: string[], node: string, ttlMs: number): Promise<Renewal> {
    const held = await Promise.all(
      ids.map((id) =>
        this.scripts.renew.run(
          [this.keys.lease(id), this.keys.session(id), ...this.others(id)],
          [node, ttlMs, this.keyTtlMs],
        ),
      ),
    );
    const kept = ids.filter((_, i) => held[i] !== 0);
    if (kept.length > 0) {
      const deadline = Date.now() + ttlMs;
      await storeCall(this.redis.commands.zadd(this.keys.leaseDeadlines(), ...kept.flatMap((id) => [deadline, id])));
    }
    return { lost: ids.filter((_, i) => held[i] === 0), waiting: ids.filter((_, i) => held[i] === 2) };
  }

  async release(id: string, node: string): Promise<void> {
    await this.scripts.release.run([this.keys.lease(id)], [node]);
    // Lapsed at once: a node looking for orphans picks up whatever still waits in its queue.
    await storeCall(this.redis.commands.zadd(this.keys.leaseDeadlines(), 'XX', 0, id));
  }

  async lapsed(now: number, limit: number): Promise<string[]> {
    return storeCall(this.redis.commands.zrangebyscore(this.keys.leaseDeadlines(), '-inf', now, 'LIMIT', 0, limit));
  }

  /** A session's keys besides its hash and lease (queue and messages first, as the scripts expect). */
  private others(id: string): string[] {
    return [
      this.keys.queue(id),
      this.keys.messages(id),
      this.keys.events(id),
      this.keys.eventSeq(id),
      this.keys.eventHead(id),
    ];
  }
}
