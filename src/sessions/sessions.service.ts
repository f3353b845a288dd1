import { Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { randomUUID } from 'node:crypto';

import type { Principal } from '../auth/principal';
import { AppException, sessionNotFound } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { authConfigured } from '../config/validate-environment';
import type { ElicitationAnswer } from '../contract/answers';
import type { ApprovalAnswer } from '../contract/answers';
import { ErrorCode } from '../contract/error-code';
import type { SessionRecord } from '../contract/session-record';
import { SessionStatus } from '../contract/session-status';
import { ModelRegistry } from '../models/model-registry';
import { SessionBus } from '../session-store/bus/session-bus';
import type { SessionSignal, ViewCallSignal } from '../session-store/bus/session-bus';
import { SessionEventLog } from '../session-store/event-log/session-event-log';
import { listedOwner, reachSession } from '../session-store/session-access';
import type { SessionAccess } from '../session-store/session-access';
import { SessionStore } from '../session-store/session-store';
import type { MessagePage, PendingTurns, QueuedTurn, SessionKey, TurnOptions } from '../session-store/session-store';
import { SessionDrain } from '../turns/session-drain.service';
import { SessionEventPublisher } from '../turns/session-event-publisher';
import { SessionWorker } from '../turns/session-worker.service';
import { QuotaService } from '../usage/quota.service';
import { openFeed } from './session-feed';
import type { SessionFeed } from './session-feed';
import { SessionHolder } from './session-holder';
import { awaitTurn } from './turn-outcome';
import type { TurnOutcome } from './turn-outcome';

/**
 * The sessions API every transport uses, whichever node holds the session: lifecycle, messages,
 * and the event stream, so socket.io and SSE clients see the same events in the same order.
 * Ownership is enforced here, so no transport can forget it: a session the caller may not reach
 * gives the same SESSION_NOT_FOUND as one that does not exist.
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
    private readonly drain: SessionDrain,
    private readonly holder: SessionHolder,
    private readonly models: ModelRegistry,
    private readonly quotas: QuotaService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  get node(): string {
    return this.config.NODE_ID;
  }

  /** A new session of the principal's, answered by `model` (an id it may use) or its default model. */
  async create(principal: Principal, model?: string): Promise<SessionRecord> {
    this.drain.assertAccepting();
    const chosen = this.models.choose(principal.id, model);
    const now = Date.now();
    const record: SessionRecord = {
      id: randomUUID(),
      owner: principal.id,
      created_at: now,
      last_active_at: now,
      turns: 0,
      status: SessionStatus.IDLE,
      queued: 0,
      message_count: 0,
      ...(chosen ? { model: chosen.id } : {}),
    };
    // Single-user mode has one principal: the per-principal bound would only repeat MAX_SESSIONS.
    const perOwner = authConfigured(this.config) ? this.config.MAX_SESSIONS_PER_PRINCIPAL : undefined;
    const created = await this.store.create(record, { total: this.config.MAX_SESSIONS, perOwner });
    if (created !== 'created') {
      throw new AppException(
        ErrorCode.TOO_MANY_SESSIONS,
        created === 'too_many'
          ? `No new session: ${this.config.MAX_SESSIONS} sessions are live (MAX_SESSIONS); end one, or retry once idle ones expire`
          : `No new session: you have ${perOwner} live sessions (MAX_SESSIONS_PER_PRINCIPAL); end one first`,
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

  async get(principal: Principal, sessionId: string): Promise<SessionRecord> {
    return this.reach(principal, sessionId, 'read');
  }

  /**
   * A page of the caller's live sessions, newest first; `next` resumes after the last one. An
   * administrator may ask for `all` sessions.
   */
  async list(
    principal: Principal,
    limit: number,
    after?: SessionKey,
    all = false,
  ): Promise<{ sessions: SessionRecord[]; next?: SessionKey }> {
    const page = await this.store.list(limit, after, listedOwner(principal, all));
    return { sessions: page.records, next: page.next };
  }

  /** A page of the session's history ending before `before` (default: its latest messages). */
  async history(principal: Principal, sessionId: string, limit: number, before?: number): Promise<MessagePage> {
    const [, page] = await Promise.all([
      this.reach(principal, sessionId, 'read'),
      this.store.messages(sessionId, limit, before),
    ]);
    if (!page) {
      throw sessionNotFound(sessionId);
    }
    return page;
  }

  /**
   * The session, its latest messages and the turns not yet in them (running and queued), read
   * together (one round trip on Redis), once it is reachable.
   */
  async detail(
    principal: Principal,
    sessionId: string,
    limit: number,
  ): Promise<{ record: SessionRecord; page: MessagePage; pending: PendingTurns }> {
    const [record, page, pending] = await Promise.all([
      this.reach(principal, sessionId, 'read'),
      this.store.messages(sessionId, limit),
      this.store.pending(sessionId),
    ]);
    if (!page || !pending) {
      throw sessionNotFound(sessionId);
    }
    return { record, page, pending };
  }

  /** Queues a message; it runs, on the node that holds the session, when the turns before it have ended. */
  async send(principal: Principal, sessionId: string, content: string, options: TurnOptions = {}): Promise<string> {
    this.drain.assertAccepting();
    await this.assertUnderQuota(principal);
    const turn: QueuedTurn = { turn_id: randomUUID(), content, ...options };
    const limit = this.config.TURN_QUEUE_LIMIT;
    // The store checks the owner in the same atomic step that queues the message.
    const sender = this.worker.senderFor(sessionId);
    const admission = await this.store.enqueue(sessionId, principal.id, turn, limit, Date.now(), sender);
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
  /** QUOTA_EXCEEDED (with the reset time) when the principal used its daily tokens: nothing runs or is queued. */
  assertUnderQuota(principal: Principal): Promise<void> {
    return this.quotas.assertUnder(principal.id);
  }

  async run(principal: Principal, sessionId: string, content: string, options?: TurnOptions): Promise<TurnOutcome> {
    await this.reach(principal, sessionId, 'drive');
    const feed = await this.feed(principal, sessionId);
    return awaitTurn(sessionId, feed, () => this.send(principal, sessionId, content, options));
  }

  /** Stops the running turn wherever it runs; queued messages still run. False when nothing was running. */
  async cancel(principal: Principal, sessionId: string): Promise<boolean> {
    const record = await this.reach(principal, sessionId, 'manage');
    const running = this.worker.holding(sessionId)?.running;
    if (running) {
      running.controller.abort();
      return true;
    }
    if (!record.running || !record.node || record.node === this.node) {
      return false;
    }
    await this.bus.send(record.node, { kind: 'cancel', session_id: sessionId, turn_id: record.running }).catch(() => {
      // Its node is gone: the turn ends as interrupted when another node takes the session over.
    });
    return true;
  }

  /** Answers an MCP server's elicitation, on the node whose turn asked it (owner only). */
  async answerElicitation(
    principal: Principal,
    sessionId: string,
    elicitationId: string,
    answer: ElicitationAnswer,
  ): Promise<void> {
    const signal = { kind: 'elicitation', session_id: sessionId, elicitation_id: elicitationId, answer } as const;
    await this.answerPending(principal, signal, `Elicitation ${elicitationId}`);
  }

  /** Approves or denies a tool call of the session's running turn, on the node that runs it (owner only). */
  async answerApproval(
    principal: Principal,
    sessionId: string,
    approvalId: string,
    answer: ApprovalAnswer,
  ): Promise<void> {
    const signal = { kind: 'approval', session_id: sessionId, approval_id: approvalId, answer } as const;
    await this.answerPending(principal, signal, `Approval ${approvalId}`);
  }

  /** A tool call from one of the session's MCP Apps views, on the node that holds the session (owner only). */
  async callFromView(principal: Principal, call: ViewCallSignal, timeoutMs: number): Promise<CallToolResult> {
    const { node } = await this.reach(principal, call.session_id, 'drive');
    const away = () => {
      throw new AppException(ErrorCode.SESSION_BUSY, `Session ${call.session_id} is moving between nodes; try again`);
    };
    return this.holder.ask<CallToolResult>(node, call, away, timeoutMs);
  }

  async delete(principal: Principal, sessionId: string): Promise<void> {
    const { node } = await this.reach(principal, sessionId, 'manage');
    await this.holder.ask(node, { kind: 'end', session_id: sessionId, reason: 'deleted' }, () =>
      this.worker.end(sessionId, 'deleted'),
    );
  }

  /**
   * The session's events for one subscriber (see openFeed). A client opening a session's view
   * names the `turn` to replay after session_start: the running turn it was told of, or `true` for
   * the one running now; a client that only waits for its own turn names none.
   */
  async feed(principal: Principal, sessionId: string, afterId?: number, turn?: string | true): Promise<SessionFeed> {
    const { running } = await this.reach(principal, sessionId, 'read');
    return openFeed(this.events, sessionId, afterId, turn === true ? running : turn);
  }

  async stats() {
    return { node: this.node, total: await this.store.count(), ...this.worker.stats() };
  }

  /** What this node runs, for its report to the cluster. */
  nodeStats(): { sessions_held: number; turns_running: number } {
    const stats = this.worker.stats();
    return { sessions_held: stats.held, turns_running: stats.processing };
  }

  /** At shutdown: with a store only this node uses, its sessions end; with a shared one, other nodes take them. */
  async shutdown(): Promise<void> {
    await this.drain.shutdown();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.shutdown();
  }

  /** Hands the owner's answer to what the session's turn waits for, on the node that runs it. */
  private async answerPending(principal: Principal, signal: SessionSignal, what: string): Promise<void> {
    const sessionId = signal.session_id;
    const { node } = await this.reach(principal, sessionId, 'drive');
    await this.holder.ask(node, signal, () => {
      throw new AppException(
        ErrorCode.NOT_FOUND,
        `${what} of session ${sessionId} is not pending (unknown, answered or expired)`,
      );
    });
  }

  private reach(principal: Principal, sessionId: string, access: SessionAccess): Promise<SessionRecord> {
    return reachSession(this.store, principal, sessionId, access);
  }
}
