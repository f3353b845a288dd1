import { Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import { Observable } from 'rxjs';
import { randomUUID } from 'node:crypto';

import { AppException, ErrorCode, sessionNotFound } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { NodeUnreachable, SessionBus } from './bus/session-bus';
import type { SessionSignal } from './bus/session-bus';
import { SessionEventLog } from './event-log/session-event-log';
import { SessionStatus } from './events';
import type { StreamEvent } from './events';
import { SessionEventPublisher } from './session-event-publisher';
import type { ElicitationAnswer } from './session-mcp-bridge';
import { SessionWorker } from './session-worker.service';
import { SessionStore } from './store/session-store';
import type { MessagePage, SessionKey } from './store/session-store';
import type { SessionRecord } from './store/session-record';
import { awaitTurn } from './turn-outcome';
import type { TurnOutcome } from './turn-outcome';

/** What a subscriber gets: what it missed, then what happens next (subscribe once, right away). */
export interface SessionFeed {
  backlog: StreamEvent[];
  live: Observable<StreamEvent>;
}

// Longest wait for the node holding a session to answer a request about it.
const NODE_REQUEST_MS = 5000;
// Sessions ended per sweep at most; the next sweep takes the rest.
const SWEEP_BATCH = 500;

/**
 * The sessions API every transport uses, whichever node holds the session: lifecycle, messages,
 * and the event stream, so socket.io and SSE clients see the same events in the same order.
 */
@Injectable()
export class SessionsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SessionsService.name);

  constructor(
    private readonly store: SessionStore,
    private readonly events: SessionEventLog,
    private readonly publisher: SessionEventPublisher,
    private readonly worker: SessionWorker,
    private readonly bus: SessionBus,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  get node(): string {
    return this.config.NODE_ID;
  }

  async create(): Promise<SessionRecord> {
    const now = Date.now();
    const record: SessionRecord = {
      id: randomUUID(),
      created_at: now,
      last_active_at: now,
      turns: 0,
      status: SessionStatus.IDLE,
      queued: 0,
      message_count: 0,
    };
    if (!(await this.store.create(record, this.config.MAX_SESSIONS))) {
      throw new AppException(
        ErrorCode.TOO_MANY_SESSIONS,
        `No new session: ${this.config.MAX_SESSIONS} sessions are live (MAX_SESSIONS); end one, or retry once idle ones expire`,
      );
    }
    await this.publisher.append(record.id, null, 'session_start', {
      created_at: new Date(now).toISOString(),
      status: record.status,
    });
    await this.worker.hold(record.id);
    this.logger.debug(`Session ${record.id} created on node ${this.node}`);
    return { ...record, node: this.node };
  }

  async get(sessionId: string): Promise<SessionRecord> {
    const record = await this.store.get(sessionId);
    if (!record) {
      throw sessionNotFound(sessionId);
    }
    return record;
  }

  /** A page of live sessions, newest first; `next` resumes after the last one. */
  async list(limit: number, after?: SessionKey): Promise<{ sessions: SessionRecord[]; next?: SessionKey }> {
    const page = await this.store.list(limit, after);
    return { sessions: page.records, next: page.next };
  }

  /** A page of the session's history ending before `before` (default: its latest messages). */
  async history(sessionId: string, limit: number, before?: number): Promise<MessagePage> {
    const page = await this.store.messages(sessionId, limit, before);
    if (!page) {
      throw sessionNotFound(sessionId);
    }
    return page;
  }

  /** Queues a message; it runs, on the node that holds the session, when the turns before it have ended. */
  async send(sessionId: string, content: string): Promise<string> {
    const turn = { turn_id: randomUUID(), content };
    const limit = this.config.TURN_QUEUE_LIMIT;
    const admission = await this.store.enqueue(sessionId, turn, limit, Date.now(), this.worker.senderFor(sessionId));
    if (!admission.admitted) {
      if (admission.reason === 'missing') {
        throw sessionNotFound(sessionId);
      }
      throw new AppException(
        ErrorCode.SESSION_BUSY,
        `Session ${sessionId} is busy: ${admission.waiting} messages already wait behind the running turn (TURN_QUEUE_LIMIT)`,
      );
    }
    if (admission.started) {
      this.worker.runStarted(sessionId, admission.started);
    } else if (!admission.told) {
      await this.worker.dispatch(sessionId, admission.holder);
    }
    return turn.turn_id;
  }

  /** Sends a message and waits for its turn to end, wherever it runs. */
  async run(sessionId: string, content: string): Promise<TurnOutcome> {
    return awaitTurn(sessionId, await this.feed(sessionId), () => this.send(sessionId, content));
  }

  /** Stops the running turn wherever it runs; queued messages still run. False when nothing was running. */
  async cancel(sessionId: string): Promise<boolean> {
    const running = this.worker.holding(sessionId)?.running;
    if (running) {
      running.controller.abort();
      return true;
    }
    const record = await this.get(sessionId);
    if (!record.running || !record.node || record.node === this.node) {
      return false;
    }
    await this.bus.send(record.node, { kind: 'cancel', session_id: sessionId, turn_id: record.running }).catch(() => {
      // Its node is gone: the turn ends as interrupted when another node takes the session over.
    });
    return true;
  }

  /** Answers an MCP server's elicitation, on the node whose turn asked it. */
  async answerElicitation(sessionId: string, elicitationId: string, answer: ElicitationAnswer): Promise<void> {
    const node = this.worker.holding(sessionId) ? this.node : (await this.get(sessionId)).node;
    const signal = { kind: 'elicitation', session_id: sessionId, elicitation_id: elicitationId, answer } as const;
    await this.onHolder(node, signal, () => {
      throw new AppException(
        ErrorCode.NOT_FOUND,
        `Elicitation ${elicitationId} of session ${sessionId} is not pending (unknown, answered or expired)`,
      );
    });
  }

  async delete(sessionId: string): Promise<void> {
    const { node } = await this.get(sessionId);
    await this.onHolder(node, { kind: 'end', session_id: sessionId, reason: 'deleted' }, () =>
      this.worker.end(sessionId, 'deleted'),
    );
  }

  /**
   * The session's events for one subscriber: the backlog (session_start, or with afterId every
   * retained event after it), then its live events, none missed and none twice, completing after
   * session_end. The backlog is already in the session's log, so a transport can write it at its
   * client's pace. The live stream errors with STORE_UNAVAILABLE if the store goes away.
   */
  async feed(sessionId: string, afterId?: number): Promise<SessionFeed> {
    await this.get(sessionId);
    // Subscribe before reading the backlog, holding live events back, so none falls in between.
    const held: StreamEvent[] = [];
    let forward: ((event: StreamEvent) => void) | undefined;
    let lost: AppException | undefined;
    let fail: ((error: AppException) => void) | undefined;
    const unsubscribe = await this.events.subscribe(
      sessionId,
      (event) => (forward ? forward(event) : held.push(event)),
      (error) => (fail ? fail(error) : (lost = error)),
    );
    let backlog: StreamEvent[];
    try {
      backlog =
        afterId === undefined
          ? await this.events.head(sessionId).then((head) => (head ? [head] : []))
          : await this.events.replay(sessionId, afterId);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    let lastId = backlog.at(-1)?.id ?? afterId ?? 0;
    const live = new Observable<StreamEvent>((subscriber) => {
      if (backlog.at(-1)?.type === 'session_end') {
        subscriber.complete();
        return unsubscribe;
      }
      if (lost) {
        subscriber.error(lost);
        return unsubscribe;
      }
      fail = (error) => subscriber.error(error);
      forward = (event) => {
        if (event.id <= lastId) {
          return;
        }
        lastId = event.id;
        subscriber.next(event);
        if (event.type === 'session_end') {
          subscriber.complete();
        }
      };
      held.splice(0).forEach(forward);
      return unsubscribe;
    });
    return { backlog, live };
  }

  async stats() {
    return { node: this.node, total: await this.store.count(), ...this.worker.stats() };
  }

  /** What this node runs, for its report to the cluster. */
  nodeStats(): { sessions_held: number; turns_running: number } {
    const stats = this.worker.stats();
    return { sessions_held: stats.held, turns_running: stats.processing };
  }

  /**
   * Ends sessions idle for longer than SESSION_TTL_MS, each once across the cluster (on the node
   * that holds it); a session with a turn running or queued is not idle.
   */
  async sweepExpired(now = Date.now()): Promise<string[]> {
    const idle = await this.store.idleSince(now - this.config.SESSION_TTL_MS, SWEEP_BATCH);
    const records = await Promise.all(idle.map((id) => this.store.get(id)));
    const candidates = records.filter((record) => record && !record.running && record.queued === 0) as SessionRecord[];
    const ended = await Promise.all(
      candidates.map((record) =>
        this.onHolder(record.node, { kind: 'end', session_id: record.id, reason: 'expired' }, () =>
          this.worker.end(record.id, 'expired'),
        ),
      ),
    );
    const expired = candidates.filter((_, i) => ended[i] === true).map((record) => record.id);
    if (expired.length > 0) {
      this.logger.log(`Swept ${expired.length} idle session(s)`);
    }
    return expired;
  }

  /** At shutdown: with a store only this node uses, its sessions end; with a shared one, other nodes take them. */
  async shutdown(): Promise<void> {
    await (this.store.shared ? this.worker.releaseAll() : this.worker.endAll('shutdown'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.shutdown();
  }

  /** Asks the node holding the session; here (or when that node does not answer) `locally` does it. */
  private async onHolder<T>(node: string | undefined, signal: SessionSignal, locally: () => Promise<T> | T) {
    if (!node || node === this.node) {
      return node === this.node ? ((await this.worker.handle(signal)) as T) : locally();
    }
    try {
      return await this.bus.request<T>(node, signal, NODE_REQUEST_MS);
    } catch (error) {
      if (error instanceof NodeUnreachable) {
        return locally();
      }
      throw error;
    }
  }
}
