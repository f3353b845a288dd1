import { Logger } from '@nestjs/common';

import type { AppException } from '../../common/errors';
import type { NewStreamEvent, StreamEvent } from '../../contract/events';
import type { RedisKeys } from '../../redis/redis-keys';
import { storeCall, storeUnavailable } from '../../redis/redis-script';
import type { RedisService } from '../../redis/redis.service';
import { RedisEventWriter } from './redis-event-writer';
import type { PendingEvents } from './redis-event-writer';
import { SessionEventLog } from './session-event-log';
import type { EventListener, LostListener } from './session-event-log';

// A published batch starts `[{"id":<first id>,`.
const FIRST_ID = /^\[\{"id":(\d+),/;

/** What this node follows of one session: its local subscribers and the next id they expect. */
interface Followed {
  channel: string;
  listeners: Map<EventListener, LostListener | undefined>;
  /** Last id delivered; undefined until the subscription is confirmed. */
  last?: number;
  /** Arrived ahead of a missing id (or before the subscription was confirmed). */
  pending: Map<number, StreamEvent>;
  filling: boolean;
  ready: Promise<void>;
}

/**
 * Each session's events in a Redis stream, an entry per batch (entry id 0-<its first event id>,
 * trimmed with MAXLEN ~), numbered and published by one Lua script (RedisEventWriter). A node subscribes to a session's
 * channel only while it has subscribers for it; arrivals are put in id order, and a gap (a message
 * lost with a connection) is filled from the stream, so every subscriber gets every retained event
 * once, in order.
 */
export class RedisSessionEventLog extends SessionEventLog {
  private readonly logger = new Logger(RedisSessionEventLog.name);
  private readonly keys: RedisKeys;
  private readonly writer: RedisEventWriter;
  private readonly followed = new Map<string, Followed>();
  private readonly sessionOfChannel = new Map<string, string>();

  constructor(
    private readonly redis: RedisService,
    /** Events kept per session (EVENT_LOG_LIMIT). */
    readonly limit: number,
    private readonly keyTtlMs: number,
  ) {
    super();
    this.keys = redis.keys;
    this.writer = new RedisEventWriter(redis, limit, keyTtlMs);
    const subscriber = redis.subscriber;
    // Sharded pub/sub: on Redis Cluster a session's channel lives on its keys' shard, not on every node.
    subscriber.on('smessage', (channel: string, message: string) => this.arrived(channel, message));
    // Messages published while the connection was down are gone: the subscribers start over from their last id.
    subscriber.on('close', () => {
      if (!redis.closing) {
        this.loseAll(storeUnavailable(new Error('the connection to Redis was lost')));
      }
    });
  }

  async append(event: NewStreamEvent): Promise<StreamEvent> {
    return (await this.write(event, '')) as StreamEvent;
  }

  appendAsHolder(event: NewStreamEvent, node: string): Promise<StreamEvent | undefined> {
    return this.write(event, node);
  }

  /**
   * What this node appended to the session as its holder and has not sent yet, for a turn's end
   * (RedisSessionTurns) to store in its own script, before its last events.
   */
  takePending(sessionId: string): PendingEvents {
    return this.writer.takePending(sessionId);
  }

  /** Hands this node's subscribers events a script of this node stored (a turn's end), as appends are. */
  storedHere(events: StreamEvent[]): void {
    const followed = events.length > 0 ? this.followed.get(events[0].session_id) : undefined;
    for (const event of followed ? events : []) {
      this.receive(followed as Followed, event);
    }
  }

  async head(sessionId: string): Promise<StreamEvent | undefined> {
    const head = await storeCall(this.redis.commands.get(this.keys.eventHead(sessionId)));
    return head ? (JSON.parse(head) as StreamEvent) : undefined;
  }

  async replay(sessionId: string, afterId: number): Promise<StreamEvent[]> {
    return this.read(sessionId, afterId);
  }

  async subscribe(sessionId: string, listener: EventListener, lost?: LostListener): Promise<() => void> {
    let followed = this.followed.get(sessionId);
    if (!followed) {
      followed = this.follow(sessionId);
    }
    followed.listeners.set(listener, lost);
    const unsubscribe = () => {
      const current = this.followed.get(sessionId);
      current?.listeners.delete(listener);
      if (current && current.listeners.size === 0) {
        this.unfollow(sessionId, current);
      }
    };
    try {
      await followed.ready;
    } catch (error) {
      unsubscribe();
      throw storeUnavailable(error);
    }
    return unsubscribe;
  }

  async drop(sessionId: string): Promise<void> {
    await storeCall(
      this.redis.commands.del(
        this.keys.events(sessionId),
        this.keys.eventSeq(sessionId),
        this.keys.eventHead(sessionId),
      ),
    );
  }

  /** Appends (fenced when `fence` names a node), then hands the event to this node's subscribers. */
  private async write(event: NewStreamEvent, fence: string): Promise<StreamEvent | undefined> {
    const sessionId = event.session_id;
    try {
      const stored = await this.writer.write(event, fence);
      const followed = this.followed.get(sessionId);
      if (stored && followed) {
        this.receive(followed, stored);
      }
      return stored;
    } catch (error) {
      // Its subscribers here would wait for an event that will not come: they are told instead.
      const followed = this.followed.get(sessionId);
      if (followed) {
        this.lose(sessionId, followed, storeUnavailable(error));
      }
      throw storeUnavailable(error);
    }
  }

  private follow(sessionId: string): Followed {
    const channel = this.keys.eventsChannel(sessionId);
    const followed: Followed = {
      channel,
      listeners: new Map(),
      pending: new Map(),
      filling: false,
      ready: Promise.resolve(),
    };
    this.followed.set(sessionId, followed);
    this.sessionOfChannel.set(channel, sessionId);
    followed.ready = (async () => {
      await this.redis.subscriber.ssubscribe(channel);
      // Subscribed first, then the current id: everything after it arrives on the channel.
      followed.last = Number(await storeCall(this.redis.commands.get(this.keys.eventSeq(sessionId)))) || 0;
      this.flush(sessionId, followed);
    })();
    return followed;
  }

  private unfollow(sessionId: string, followed: Followed): void {
    this.followed.delete(sessionId);
    this.sessionOfChannel.delete(followed.channel);
    this.redis.subscriber
      .sunsubscribe(followed.channel)
      .catch((error: Error) => this.logger.warn(`Unsubscribing from session ${sessionId} failed: ${error.message}`));
  }

  private arrived(channel: string, message: string): void {
    const sessionId = this.sessionOfChannel.get(channel);
    const followed = sessionId && this.followed.get(sessionId);
    if (followed) {
      // A batch this node appended itself was delivered when its append was acknowledged: its echo
      // (first id at or below the last delivered) is not parsed again.
      const first = Number(FIRST_ID.exec(message)?.[1]);
      if (followed.last !== undefined && first <= followed.last) {
        return;
      }
      for (const event of JSON.parse(message) as StreamEvent[]) {
        this.receive(followed, event);
      }
    }
  }

  private receive(followed: Followed, event: StreamEvent): void {
    if (followed.last !== undefined && event.id <= followed.last) {
      return;
    }
    followed.pending.set(event.id, event);
    this.flush(event.session_id, followed);
  }

  /** Delivers what is next in order; a gap is filled from the stream. */
  private flush(sessionId: string, followed: Followed): void {
    if (followed.last === undefined) {
      return;
    }
    for (const id of followed.pending.keys()) {
      if (id <= followed.last) {
        followed.pending.delete(id);
      }
    }
    let next = followed.pending.get(followed.last + 1);
    while (next) {
      followed.pending.delete(next.id);
      followed.last = next.id;
      this.deliver(followed, next);
      next = followed.pending.get(followed.last + 1);
    }
    if (followed.pending.size > 0 && !followed.filling) {
      void this.fill(sessionId, followed);
    }
  }

  private async fill(sessionId: string, followed: Followed): Promise<void> {
    followed.filling = true;
    try {
      for (const event of await this.read(sessionId, followed.last ?? 0)) {
        if (event.id > (followed.last ?? 0)) {
          followed.pending.set(event.id, event);
        }
      }
      const first = Math.min(...followed.pending.keys());
      if (!followed.pending.has((followed.last ?? 0) + 1) && Number.isFinite(first)) {
        // Trimmed away (EVENT_LOG_LIMIT) before it could be read: the subscribers skip it.
        this.logger.warn(`Events ${(followed.last ?? 0) + 1}..${first - 1} of session ${sessionId} were lost`);
        followed.last = first - 1;
      }
    } catch (error) {
      this.lose(sessionId, followed, storeUnavailable(error));
      return;
    } finally {
      followed.filling = false;
    }
    this.flush(sessionId, followed);
  }

  private async read(sessionId: string, afterId: number): Promise<StreamEvent[]> {
    const key = this.keys.events(sessionId);
    const next = `0-${afterId + 1}`;
    // An entry is a batch, its id its first event's: the one holding the next id, then all after it.
    const [holding, later] = await storeCall(
      Promise.all([
        this.redis.commands.xrevrange(key, next, '-', 'COUNT', 1),
        this.redis.commands.xrange(key, `(${next}`, '+'),
      ]),
    );
    return [...holding, ...later]
      .flatMap(([, fields]) => JSON.parse(fields[1]) as StreamEvent[])
      .filter((event) => event.id > afterId);
  }

  private deliver(followed: Followed, event: StreamEvent): void {
    for (const listener of followed.listeners.keys()) {
      try {
        listener(event);
      } catch (error) {
        // One broken subscriber must not stop the others.
        this.logger.error(`Event listener failed on ${event.type} of session ${event.session_id}`, error);
      }
    }
  }

  private lose(sessionId: string, followed: Followed, error: AppException): void {
    const listeners = [...followed.listeners.values()];
    this.unfollow(sessionId, followed);
    for (const lost of listeners) {
      lost?.(error);
    }
  }

  private loseAll(error: AppException): void {
    for (const [sessionId, followed] of [...this.followed]) {
      this.lose(sessionId, followed, error);
    }
  }
}
