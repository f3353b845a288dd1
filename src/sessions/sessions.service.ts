import { Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import { Observable } from 'rxjs';
import { randomUUID } from 'node:crypto';

import { AppException, ErrorCode, sessionNotFound } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { McpService } from '../mcp/mcp.service';
import { SessionEventLog } from './event-log/session-event-log';
import { SessionEventPublisher } from './session-event-publisher';
import { SessionMcpBridge } from './session-mcp-bridge';
import type { ElicitationAnswer } from './session-mcp-bridge';
import { SessionRuntime } from './session-runtime';
import type { TurnOutcome } from './session-runtime';
import { SessionStore } from './store/session-store';
import type { MessagePage, SessionKey } from './store/session-store';
import type { SessionRecord } from './store/session-record';
import { TurnRunner } from './turn-runner.service';
import type { SessionEndReason, SessionStatus, StreamEvent } from './events';

export interface SessionSnapshot {
  record: Readonly<SessionRecord>;
  status: SessionStatus;
  queued: number;
}

/** What a subscriber gets: what it missed, then what happens next (subscribe once, right away). */
export interface SessionFeed {
  backlog: StreamEvent[];
  live: Observable<StreamEvent>;
}

export interface AcceptedTurn {
  turnId: string;
  /** Settles when the turn ends; never rejects. */
  outcome: Promise<TurnOutcome>;
}

/**
 * Owns sessions: their lifecycle, their turn queue and their event stream. Every transport goes
 * through this service, so socket.io and SSE clients see the same events in the same order.
 */
@Injectable()
export class SessionsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SessionsService.name);
  private readonly runtimes = new Map<string, SessionRuntime>();

  constructor(
    private readonly store: SessionStore,
    private readonly events: SessionEventLog,
    private readonly publisher: SessionEventPublisher,
    private readonly turns: TurnRunner,
    private readonly mcp: McpService,
    private readonly bridge: SessionMcpBridge,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  async create(): Promise<SessionSnapshot> {
    if (this.runtimes.size >= this.config.MAX_SESSIONS) {
      throw new AppException(
        ErrorCode.TOO_MANY_SESSIONS,
        `No new session: ${this.config.MAX_SESSIONS} sessions are live (MAX_SESSIONS); end one, or retry once idle ones expire`,
      );
    }
    const now = Date.now();
    const record: SessionRecord = { id: randomUUID(), created_at: now, last_active_at: now, turns: 0, messages: [] };
    const runtime = new SessionRuntime(record.id);
    // The place is taken before the store is awaited, so concurrent creates cannot overrun MAX_SESSIONS.
    this.runtimes.set(record.id, runtime);
    try {
      await this.store.create(record);
    } catch (error) {
      this.runtimes.delete(record.id);
      throw error;
    }
    // No process starts here: the clients start on the session's first turn.
    runtime.mcp = this.mcp.forSession(this.bridge.hostFor(runtime));
    this.publisher.publish(runtime, null, 'session_start', {
      created_at: new Date(now).toISOString(),
      status: runtime.status,
    });
    this.logger.debug(`Session ${record.id} created`);
    return { record, status: runtime.status, queued: 0 };
  }

  async get(sessionId: string): Promise<SessionSnapshot> {
    const record = await this.store.get(sessionId);
    const runtime = this.runtimes.get(sessionId);
    if (!record || !runtime) {
      throw sessionNotFound(sessionId);
    }
    return { record, status: runtime.status, queued: runtime.queue.length };
  }

  /** A page of live sessions, newest first; `next` resumes after the last one. */
  async list(limit: number, after?: SessionKey): Promise<{ sessions: SessionSnapshot[]; next?: SessionKey }> {
    const page = await this.store.list(limit, after);
    const sessions = page.records.flatMap((record) => {
      const runtime = this.runtimes.get(record.id);
      return runtime ? [{ record, status: runtime.status, queued: runtime.queue.length }] : [];
    });
    return { sessions, next: page.next };
  }

  /** A page of the session's history ending before `before` (default: its latest messages). */
  async history(sessionId: string, limit: number, before?: number): Promise<MessagePage> {
    this.runtimeOf(sessionId);
    const page = await this.store.messages(sessionId, limit, before);
    if (!page) {
      throw sessionNotFound(sessionId);
    }
    return page;
  }

  /** Queues a message; it runs when the turns before it have ended. */
  async send(sessionId: string, content: string): Promise<AcceptedTurn> {
    const runtime = this.runtimeOf(sessionId);
    await this.store.touch(sessionId, Date.now());
    // Admission is one synchronous step from here on: concurrent sends cannot overrun the bound.
    if (runtime.ended) {
      throw sessionNotFound(sessionId);
    }
    if (runtime.busy && runtime.queue.length >= this.config.TURN_QUEUE_LIMIT) {
      throw new AppException(
        ErrorCode.SESSION_BUSY,
        `Session ${sessionId} is busy: ${runtime.queue.length} messages already wait behind the running turn (TURN_QUEUE_LIMIT)`,
      );
    }
    const turnId = randomUUID();
    const outcome = new Promise<TurnOutcome>((settle) => runtime.queue.push({ turnId, content, settle }));
    this.drain(runtime).catch((error: unknown) =>
      this.logger.error(`Turn queue of session ${sessionId} failed`, (error as Error).stack),
    );
    return { turnId, outcome };
  }

  /** Stops the running turn; queued messages still run. False when nothing was running. */
  cancel(sessionId: string): boolean {
    const running = this.runtimeOf(sessionId).running;
    running?.controller.abort();
    return running !== undefined;
  }

  /** Answers an MCP server's elicitation streamed to the session's clients. */
  answerElicitation(sessionId: string, elicitationId: string, answer: ElicitationAnswer): void {
    this.bridge.answer(this.runtimeOf(sessionId), elicitationId, answer);
  }

  async delete(sessionId: string): Promise<void> {
    this.runtimeOf(sessionId);
    await this.end(sessionId, 'deleted');
  }

  /**
   * The session's events for one subscriber: the backlog (session_start, or with afterId every
   * retained event after it), then its live events, none missed and none twice, completing after
   * session_end. The backlog is already in the session's log, so a transport can write it at its
   * client's pace.
   */
  async feed(sessionId: string, afterId?: number): Promise<SessionFeed> {
    this.runtimeOf(sessionId);
    // Subscribe before reading the backlog, holding live events back, so none falls in between.
    const held: StreamEvent[] = [];
    let forward: ((event: StreamEvent) => void) | undefined;
    const unsubscribe = this.events.subscribe(sessionId, (event) => (forward ? forward(event) : held.push(event)));
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

  stats() {
    let processing = 0;
    let queued = 0;
    let mcpActive = 0;
    for (const runtime of this.runtimes.values()) {
      processing += runtime.running ? 1 : 0;
      queued += runtime.queue.length;
      mcpActive += runtime.mcp?.started ? 1 : 0;
    }
    return { total: this.runtimes.size, processing, queued_messages: queued, with_mcp_clients: mcpActive };
  }

  /** Ends sessions idle for longer than SESSION_TTL_MS; a session with a turn running or queued is not idle. */
  async sweepExpired(now = Date.now()): Promise<string[]> {
    const idle = await this.store.idleSince(now - this.config.SESSION_TTL_MS);
    const expired = idle.filter((id) => !this.runtimes.get(id)?.busy);
    await Promise.all(expired.map((id) => this.end(id, 'expired')));
    if (expired.length > 0) {
      this.logger.log(`Swept ${expired.length} idle session(s)`);
    }
    return expired;
  }

  /** Ends every session; the transports call it first at shutdown, so they can flush session_end. */
  async endAll(reason: SessionEndReason): Promise<void> {
    await Promise.all([...this.runtimes.keys()].map((id) => this.end(id, reason)));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.endAll('shutdown');
  }

  private runtimeOf(sessionId: string): SessionRuntime {
    const runtime = this.runtimes.get(sessionId);
    if (!runtime) {
      throw sessionNotFound(sessionId);
    }
    return runtime;
  }

  private async drain(runtime: SessionRuntime): Promise<void> {
    if (runtime.running) {
      return;
    }
    const next = runtime.queue.shift();
    if (!next) {
      return;
    }
    const outcome = await this.turns.run(runtime, next);
    next.settle(outcome);
    if (!runtime.ended) {
      await this.store.touch(runtime.id, Date.now());
      await this.drain(runtime);
    }
  }

  private async end(sessionId: string, reason: SessionEndReason): Promise<void> {
    const runtime = this.runtimes.get(sessionId);
    if (!runtime || runtime.ended) {
      return;
    }
    this.runtimes.delete(sessionId);
    const ended =
      reason === 'shutdown'
        ? new AppException(ErrorCode.SERVER_SHUTDOWN, `The server is shutting down; session ${sessionId} ended`)
        : new AppException(ErrorCode.SESSION_ENDED, `Session ${sessionId} ended (${reason})`);
    // Every accepted turn still gets its one error, before session_end: the running one and the queued ones.
    const unfinished = [
      ...(runtime.running ? [runtime.running.turnId] : []),
      ...runtime.queue.map((turn) => turn.turnId),
    ];
    for (const turnId of unfinished) {
      this.publisher.publish(runtime, turnId, 'error', {
        code: ended.code,
        message: ended.message,
        session_usable: false,
      });
    }
    this.publisher.publish(runtime, null, 'session_end', { reason });
    runtime.ended = true;
    runtime.running?.controller.abort(ended);
    this.bridge.cancelAll(runtime);
    for (const turn of runtime.queue.splice(0)) {
      turn.settle({ ok: false, error: ended });
    }
    if (runtime.mcp) {
      await this.mcp.release(runtime.mcp);
    }
    await this.store.delete(sessionId);
    this.events.drop(sessionId);
    this.logger.debug(`Session ${sessionId} ended (${reason})`);
  }
}
