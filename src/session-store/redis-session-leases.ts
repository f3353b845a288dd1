import { join } from 'node:path';

import type { SessionStatus } from '../contract/session-status';
import type { RedisKeys } from '../redis/redis-keys';
import { RedisScript, storeCall } from '../redis/redis-script';
import type { RedisService } from '../redis/redis.service';
import type { Claim, Orphan, QueuedTurn, Renewal } from './session-store';

const LUA = join(__dirname, 'lua');
// Dead nodes looked at per pass for orphans.
const DEAD_BATCH = 10;

/**
 * The leases of RedisSessionStore. A session's lease names its holder and is the fence its turn's
 * writes check; whether the holder lives is one key per node, set again at each heartbeat (one write
 * per interval, whatever the node holds). A ZSET of heartbeat deadlines and a SET per node of what it
 * holds are where other nodes find the sessions of a node that died or left.
 */
export class RedisSessionLeases {
  private readonly keys: RedisKeys;
  private readonly scripts;

  constructor(
    private readonly redis: RedisService,
    private readonly keyTtlMs: number,
  ) {
    this.keys = redis.keys;
    const script = RedisScript.loader(redis.commands, LUA);
    this.scripts = {
      claim: script<[string, string?, string?, string?]>('claim.lua', 7),
      verify: script<number>('verify.lua', 7),
      release: script<number>('release.lua', 1),
      forgetNode: script<number>('forget-node.lua', 1),
    };
  }

  private get client() {
    return this.redis.commands;
  }

  async claim(id: string, node: string, onlyWithWork: boolean, from?: string): Promise<Claim> {
    const [state, detail, status, owner] = await this.scripts.claim.run(
      [this.keys.session(id), this.keys.lease(id), ...this.others(id)],
      [node, onlyWithWork ? 1 : 0, this.keyTtlMs, from ?? ''],
    );
    // The node sets live in other slots: written beside the script, never inside it.
    await storeCall(
      Promise.all([
        ...(from !== undefined ? [this.client.srem(this.keys.nodeSessions(from), id)] : []),
        ...(state === 'claimed' ? [this.client.sadd(this.keys.nodeSessions(node), id)] : []),
      ]),
    );
    switch (state) {
      case 'claimed':
        return {
          state,
          status: status as SessionStatus,
          owner: owner ?? '',
          interrupted: detail ? (JSON.parse(detail) as QueuedTurn) : undefined,
        };
      case 'held':
        return { state, holder: detail ?? '' };
      case 'idle':
        return { state };
      default:
        return { state: 'missing' };
    }
  }

  async heartbeat(node: string, ttlMs: number): Promise<boolean> {
    // Both go out in one round trip (auto-pipelining). The key is the truth, on Redis's clock; the
    // ZSET's deadline only tells other nodes where to look.
    const [previous] = await storeCall(
      Promise.all([
        this.client.set(this.keys.nodeAlive(node), '1', 'PX', ttlMs, 'GET'),
        this.client.zadd(this.keys.nodeHeartbeats(), Date.now() + ttlMs, node),
      ]),
    );
    return previous === null;
  }

  async verify(ids: string[], node: string): Promise<Renewal> {
    const held = await Promise.all(
      ids.map((id) =>
        this.scripts.verify.run(
          [this.keys.lease(id), this.keys.session(id), ...this.others(id)],
          [node, this.keyTtlMs],
        ),
      ),
    );
    const kept = ids.filter((_, i) => held[i] !== 0);
    if (kept.length > 0) {
      await storeCall(this.client.sadd(this.keys.nodeSessions(node), ...kept));
    }
    return { lost: ids.filter((_, i) => held[i] === 0), waiting: ids.filter((_, i) => held[i] === 2) };
  }

  async release(id: string, node: string, handOver: boolean): Promise<void> {
    await this.scripts.release.run([this.keys.lease(id)], [node]);
    if (!handOver) {
      await this.forgetSession(id, node);
    }
  }

  /** Takes the session out of the sessions `node` holds (it ended, or the node let go of it). */
  async forgetSession(id: string, node: string): Promise<void> {
    await storeCall(this.client.srem(this.keys.nodeSessions(node), id));
  }

  async leave(node: string): Promise<void> {
    await storeCall(
      Promise.all([this.client.del(this.keys.nodeAlive(node)), this.client.zadd(this.keys.nodeHeartbeats(), 0, node)]),
    );
  }

  async orphans(now: number, limit: number): Promise<Orphan[]> {
    const due = await storeCall(
      this.client.zrangebyscore(this.keys.nodeHeartbeats(), '-inf', now, 'WITHSCORES', 'LIMIT', 0, DEAD_BATCH),
    );
    const found: Orphan[] = [];
    for (let i = 0; i < due.length && found.length < limit; i += 2) {
      const [node, deadline] = [due[i], due[i + 1]];
      // Its deadline is on its own clock: Redis's expiry of its key says whether it is really gone.
      if ((await storeCall(this.client.exists(this.keys.nodeAlive(node)))) === 1) {
        continue;
      }
      const ids = await storeCall(this.client.srandmember(this.keys.nodeSessions(node), limit - found.length));
      if (ids.length === 0) {
        await this.scripts.forgetNode.run([this.keys.nodeHeartbeats()], [node, deadline]);
        continue;
      }
      found.push(...ids.map((id) => ({ id, from: node })));
    }
    return found;
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
