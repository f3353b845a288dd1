import { join } from 'node:path';

import type { SessionRecord } from '../contract/session-record';
import type { SessionStatus } from '../contract/session-status';
import type { RedisKeys } from '../redis/redis-keys';
import { RedisScript, storeCall } from '../redis/redis-script';
import type { RedisService } from '../redis/redis.service';
import type { RedisSessionEventLog } from './event-log/redis-session-event-log';
import { createIndexed, newestAfter } from './redis-session-index';
import { RedisSessionLeases } from './redis-session-leases';
import { messagePage, readRecord } from './redis-session-records';
import { RedisSessionTurns } from './redis-session-turns';
import { SessionStore } from './session-store';
import type {
  Admission,
  Claim,
  Creation,
  EndedSession,
  FinishedTurn,
  MessagePage,
  NextTurn,
  Orphan,
  PendingTurns,
  QueuedTurn,
  Renewal,
  Sender,
  SessionChanges,
  SessionKey,
  SessionLimits,
  SessionPage,
  TurnEnd,
} from './session-store';

const LUA = join(__dirname, 'lua');

/**
 * Sessions in Redis, shared by every node: a hash per session, its history and queue as lists,
 * its lease as a key naming its holder, and three cluster-wide sorted sets as indexes. A turn costs a
 * constant number of commands whatever the history's length. See docs/ARCHITECTURE.md for the keys.
 */
export class RedisSessionStore extends SessionStore {
  readonly shared = true;
  private readonly keys: RedisKeys;
  private readonly scripts;
  private readonly leases: RedisSessionLeases;
  private readonly turns: RedisSessionTurns;

  /** keyTtlMs: expiry of every key of a session, renewed by its activity (the sweep normally ends it first). */
  /** log: the sessions' event log, which a turn's end appends to in the same step (TurnEnd.events). */
  constructor(
    private readonly redis: RedisService,
    private readonly keyTtlMs: number,
    log: RedisSessionEventLog,
  ) {
    super();
    this.keys = redis.keys;
    this.leases = new RedisSessionLeases(redis, keyTtlMs);
    this.turns = new RedisSessionTurns(redis, keyTtlMs, log);
    const client = redis.commands;
    const script = RedisScript.loader(client, LUA);
    this.scripts = {
      end: script<string[] | 'active' | null>('end-session.lua', 4),
      update: script<number>('update.lua', 3),
      messages: script<[number, number, ...string[]] | null>('messages.lua', 2),
    };
  }

  private get client() {
    return this.redis.commands;
  }

  create(record: SessionRecord, limits: SessionLimits): Promise<Creation> {
    return storeCall(createIndexed(this.client, this.keys, record, limits, this.keyTtlMs));
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    return storeCall(readRecord(this.client, this.keys, id));
  }

  async list(limit: number, after?: SessionKey, owner?: string): Promise<SessionPage> {
    const index = owner === undefined ? this.keys.sessionsByCreation() : this.keys.sessionsOf(owner);
    const ids = await storeCall(newestAfter(this.client, index, limit + 1, after));
    const page = ids.slice(0, limit);
    // Issued together, so auto-pipelining sends them in one round trip.
    const hydrated = await storeCall(Promise.all(page.map(([id]) => readRecord(this.client, this.keys, id))));
    // Entries whose session expired in Redis (no node swept it) leave the indexes now.
    const gone = page.filter((_, i) => !hydrated[i]).map(([id]) => id);
    if (gone.length > 0) {
      await storeCall(this.removeFromIndexes(gone, owner));
    }
    const records = hydrated.filter((record): record is SessionRecord => record !== undefined);
    const last = page[page.length - 1];
    return ids.length > limit ? { records, next: { created_at: last[1], id: last[0] } } : { records };
  }

  async count(): Promise<number> {
    return storeCall(this.client.zcard(this.keys.sessionsByCreation()));
  }

  async messages(id: string, limit: number, before?: number): Promise<MessagePage | undefined> {
    const page = await this.scripts.messages.run(
      [this.keys.session(id), this.keys.messages(id)],
      [limit, before ?? -1],
    );
    if (!page) {
      return undefined;
    }
    const [total, start, ...messages] = page;
    return messagePage(Number(total), Number(start), messages);
  }

  async setStatus(id: string, status: SessionStatus): Promise<void> {
    await this.update(id, 'status', status);
  }

  async pending(id: string): Promise<PendingTurns | undefined> {
    // The queue holds at most TURN_QUEUE_LIMIT turns.
    const [exists, running, queued] = await storeCall(
      Promise.all([
        this.client.exists(this.keys.session(id)),
        this.client.hget(this.keys.session(id), 'running'),
        this.client.lrange(this.keys.queue(id), 0, -1),
      ]),
    );
    if (!exists) {
      return undefined;
    }
    const parse = (turn: string) => JSON.parse(turn) as QueuedTurn;
    return { running: running ? parse(running) : undefined, queued: queued.map(parse) };
  }

  async change(id: string, changes: SessionChanges): Promise<boolean> {
    const fields: (string | number)[] = [];
    if (changes.title !== undefined) {
      fields.push('title', changes.title);
    }
    if (changes.disabled_tools !== undefined) {
      fields.push('disabled_tools', JSON.stringify(changes.disabled_tools));
    }
    if (changes.model !== undefined) {
      fields.push('model', changes.model);
    }
    if (fields.length === 0) {
      return (await storeCall(this.client.exists(this.keys.session(id)))) === 1;
    }
    return (await this.scripts.update.run(this.sessionKeys(id), [this.keyTtlMs, ...fields])) === 1;
  }

  enqueue(id: string, owner: string, turn: QueuedTurn, limit: number, at: number, sender: Sender): Promise<Admission> {
    return this.turns.enqueue(id, owner, turn, limit, at, sender);
  }

  startNext(id: string, node: string, historyLimit: number): Promise<NextTurn> {
    return this.turns.startNext(id, node, historyLimit);
  }

  finishTurn(id: string, turnId: string, end: TurnEnd): Promise<FinishedTurn> {
    return this.turns.finishTurn(id, turnId, end);
  }

  async end(id: string, idleBefore?: number): Promise<EndedSession | 'active' | undefined> {
    const ended = await this.scripts.end.run(
      [this.keys.session(id), this.keys.queue(id), this.keys.messages(id), this.keys.lease(id)],
      [idleBefore ?? ''],
    );
    if (ended === 'active') {
      return ended;
    }
    if (!ended) {
      await storeCall(this.removeFromIndexes([id]));
      return undefined;
    }
    const [owner, holder, running, ...queued] = ended;
    await Promise.all([
      storeCall(this.removeFromIndexes([id], owner)),
      ...(holder ? [this.leases.forgetSession(id, holder)] : []),
    ]);
    return {
      running: running ? (JSON.parse(running) as QueuedTurn) : undefined,
      queued: queued.map((turn) => JSON.parse(turn) as QueuedTurn),
    };
  }

  async forget(ids: string[]): Promise<void> {
    if (ids.length > 0) {
      await storeCall(this.removeFromIndexes(ids));
    }
  }

  async idleSince(cutoff: number, limit: number): Promise<string[]> {
    return storeCall(this.client.zrangebyscore(this.keys.sessionsByActivity(), '-inf', cutoff, 'LIMIT', 0, limit));
  }

  claim(id: string, node: string, onlyWithWork: boolean, from?: string): Promise<Claim> {
    return this.leases.claim(id, node, onlyWithWork, from);
  }

  heartbeat(node: string, ttlMs: number): Promise<boolean> {
    return this.leases.heartbeat(node, ttlMs);
  }

  verify(ids: string[], node: string): Promise<Renewal> {
    return this.leases.verify(ids, node);
  }

  release(id: string, node: string, handOver: boolean): Promise<void> {
    return this.leases.release(id, node, handOver);
  }

  leave(node: string): Promise<void> {
    return this.leases.leave(node);
  }

  orphans(now: number, limit: number): Promise<Orphan[]> {
    return this.leases.orphans(now, limit);
  }

  async ping(): Promise<void> {
    await storeCall(this.client.ping());
  }

  private async update(id: string, field: string, value: string | number): Promise<void> {
    await this.scripts.update.run(this.sessionKeys(id), [this.keyTtlMs, field, value]);
  }

  /** The keys update.lua renews. */
  private sessionKeys(id: string): string[] {
    return [this.keys.session(id), this.keys.queue(id), this.keys.messages(id)];
  }

  /** Takes ended sessions out of the cluster-wide indexes, and out of their owner's when known. */
  private removeFromIndexes(ids: string[], owner?: string) {
    return Promise.all([
      this.client.zrem(this.keys.sessionsByCreation(), ...ids),
      this.client.zrem(this.keys.sessionsByActivity(), ...ids),
      ...(owner ? [this.client.zrem(this.keys.sessionsOf(owner), ...ids)] : []),
    ]);
  }
}
