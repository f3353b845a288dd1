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
import type { SessionRecord } from './store/session-record';
import { TurnRunner } from './turn-runner.service';
import type { SessionEndReason, SessionStatus, StreamEvent } from './events';

export interface SessionSnapshot {
  record: Readonly<SessionRecord>;
  status: SessionStatus;
  queued: number;
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
    const now = Date.now();
    const record: SessionRecord = { id: randomUUID(), created_at: now, last_active_at: now, turns: 0, messages: [] };
    await this.store.create(record);
    const runtime = new SessionRuntime(record.id);
    // No process starts here: the clients start on the session's first turn.
    runtime.mcp = this.mcp.forSession(this.bridge.hostFor(runtime));
    this.runtimes.set(record.id, runtime);
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

  async list(): Promise<SessionSnapshot[]> {
    const records = await this.store.list();
    return records.flatMap((record) => {
      const runtime = this.runtimes.get(record.id);
      return runtime ? [{ record, status: runtime.status, queued: runtime.queue.length }] : [];
    });
  }

  /** Queues a message; it runs when the turns before it have ended. */
  async send(sessionId: string, content: string): Promise<AcceptedTurn> {
    const runtime = this.runtimeOf(sessionId);
    if (runtime.busy && runtime.queue.length >= this.config.TURN_QUEUE_LIMIT) {
      throw new AppException(
        ErrorCode.SESSION_BUSY,
        `Session ${sessionId} is busy: ${runtime.queue.length} messages already wait behind the running turn (TURN_QUEUE_LIMIT)`,
      );
    }
    await this.store.touch(sessionId, Date.now());
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
   * The session's events for one subscriber: session_start (or, with afterId, every retained event
   * after it), then live events, completing after session_end.
   */
  stream(sessionId: string, afterId?: number): Observable<StreamEvent> {
    this.runtimeOf(sessionId);
    return new Observable<StreamEvent>((subscriber) => {
      let pending: StreamEvent[] | undefined = [];
      let lastId = afterId ?? 0;
      const forward = (event: StreamEvent) => {
        if (event.id <= lastId) {
          return;
        }
        lastId = event.id;
        subscriber.next(event);
        if (event.type === 'session_end') {
          subscriber.complete();
        }
      };
      // Subscribe before reading the backlog, holding live events back, so none falls in between.
      const unsubscribe = this.events.subscribe(sessionId, (event) => (pending ? pending.push(event) : forward(event)));
      const backlog =
        afterId === undefined
          ? this.events.head(sessionId).then((head) => (head ? [head] : []))
          : this.events.replay(sessionId, afterId);
      backlog
        .then((events) => {
          events.forEach(forward);
          const held = pending ?? [];
          pending = undefined;
          held.forEach(forward);
        })
        .catch((error: unknown) => subscriber.error(error));
      return unsubscribe;
    });
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
    this.publisher.publish(runtime, null, 'session_end', { reason });
    runtime.ended = true;
    runtime.running?.controller.abort();
    this.bridge.cancelAll(runtime);
    const ended = new AppException(ErrorCode.SESSION_ENDED, `Session ${sessionId} ended (${reason})`);
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
