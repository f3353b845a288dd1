import { Injectable, Logger } from '@nestjs/common';

import { AppException } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ErrorCode } from '../contract/error-code';
import type { SessionEndReason } from '../contract/events';
import { McpService } from '../mcp/mcp.service';
import { SessionBus } from '../session-store/bus/session-bus';
import type { SessionSignal } from '../session-store/bus/session-bus';
import { SessionEventLog } from '../session-store/event-log/session-event-log';
import { SessionStore } from '../session-store/session-store';
import type { StartedTurn } from '../session-store/session-store';
import type { Sender } from '../session-store/session-store';
import { SessionEventPublisher } from './session-event-publisher';
import { SessionMcpBridge } from './session-mcp-bridge';
import { heldStats, queuedBehind, SessionRuntime } from './session-runtime';
import { TurnRunner } from './turn-runner.service';
import { TurnMetrics } from './turns.metrics';

/**
 * Runs the sessions this node holds: each one's queued turns in order, its MCP clients, its lease.
 * With a shared store it takes over the sessions SessionLeaseKeeper finds, and lets go of those that moved.
 */
@Injectable()
export class SessionWorker {
  private readonly logger = new Logger(SessionWorker.name);
  private readonly runtimes = new Map<string, SessionRuntime>();
  /** Sessions let go of while the store was away, taken up again (if work waits) once it is back. */
  private readonly stranded = new Set<string>();
  private stopping = false;
  /** Draining: running turns finish; with a shared store, nothing new starts or is taken over here. */
  private finishing = false;

  constructor(
    private readonly store: SessionStore,
    private readonly events: SessionEventLog,
    private readonly publisher: SessionEventPublisher,
    private readonly turns: TurnRunner,
    private readonly mcp: McpService,
    private readonly bridge: SessionMcpBridge,
    private readonly bus: SessionBus,
    metrics: TurnMetrics,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {
    metrics.sessions.readFrom(() => this.runtimes.size);
    metrics.queueDepth.readFrom(() => queuedBehind(this.store, this.held()));
  }

  get node(): string {
    return this.config.NODE_ID;
  }

  holding(sessionId: string): SessionRuntime | undefined {
    return this.runtimes.get(sessionId);
  }

  /** Takes a session just created on this node (nothing waits in it yet). */
  async hold(sessionId: string): Promise<void> {
    await this.take(sessionId, false, false);
  }

  /** Takes a session no live node holds (a read found its holder gone), and runs what waits in it. */
  async takeOver(sessionId: string): Promise<void> {
    await this.take(sessionId, false);
  }

  /** This node as the sender of a message to the session: idle if it holds it and runs nothing there now. */
  senderFor(sessionId: string): Sender {
    const runtime = this.runtimes.get(sessionId);
    const idle = runtime !== undefined && !runtime.draining && !runtime.ended && this.accepting;
    // Once a turn ran here, the node keeps the newest messages (HeldHistory): a start reads none.
    return { node: this.node, idle, historyLimit: runtime?.history ? 0 : this.config.MAX_HISTORY_MESSAGES };
  }

  /** Runs a turn the store started already (enqueue found the session idle here), then what queues behind it. */
  runStarted(sessionId: string, started: StartedTurn): void {
    const runtime = this.runtimes.get(sessionId);
    if (runtime) {
      runtime.started = started;
      this.drain(runtime);
    }
    // Without a runtime the session left this node meanwhile: whoever takes it over reports the turn interrupted.
  }

  /** Gets a session's queued messages running: here, or on the node that holds it. */
  async dispatch(sessionId: string, holder?: string): Promise<void> {
    const runtime = this.runtimes.get(sessionId);
    if (runtime) {
      this.drain(runtime);
    } else if (holder && holder !== this.node) {
      await this.signal(holder, { kind: 'run', session_id: sessionId });
    } else {
      await this.take(sessionId, false);
    }
  }

  /**
   * Ends a session wherever it is held; only the first of concurrent calls (on any node) ends it.
   * Its running and queued turns each get an error, then session_end; its MCP clients stop. With
   * `idleBefore` (the idle sweep), a session that is no longer idle is kept, and goes on here.
   */
  async end(sessionId: string, reason: SessionEndReason, idleBefore?: number): Promise<boolean> {
    const ended = await this.store.end(sessionId, idleBefore);
    if (ended === 'active') {
      return false;
    }
    const runtime = this.runtimes.get(sessionId);
    if (!ended) {
      if (runtime) {
        await this.letGo(runtime, false);
      }
      return false;
    }
    if (runtime) {
      // From here its turn publishes nothing: the errors below are the turn's last word.
      runtime.end();
    }
    const failure = await this.publisher.publishEnd(sessionId, ended, reason);
    if (runtime) {
      runtime.running?.controller.abort(failure);
      await this.letGo(runtime, false);
    }
    await this.events.drop(sessionId);
    this.logger.debug(`Session ${sessionId} ended (${reason})`);
    return true;
  }

  /** Draining: turns running here may finish, nothing new starts; returns the loops to wait for. */
  finishRunning(): Promise<void>[] {
    this.finishing = true;
    return [...this.runtimes.values()].flatMap((runtime) => (runtime.draining ? [runtime.draining] : []));
  }

  /** Shutting down: nothing more starts here; returns the sessions held, for the shutdown to end or hand over. */
  stop(): SessionRuntime[] {
    this.stopping = true;
    return this.held();
  }

  /** The sessions held here. */
  held(): SessionRuntime[] {
    return [...this.runtimes.values()];
  }

  /** Whether it starts or takes over anything new: not while draining or stopping. */
  get accepting(): boolean {
    return !this.stopping && !this.finishing;
  }

  /** Takes a session whose holder `from` died or left, if it has work. */
  async adopt(sessionId: string, from: string): Promise<void> {
    if (!this.runtimes.has(sessionId)) {
      await this.take(sessionId, true, true, from);
    }
  }

  /** Takes up again, if work waits, the sessions let go of while the store was away. */
  async retakeStranded(): Promise<void> {
    for (const id of this.stranded) {
      await this.take(id, true);
      this.stranded.delete(id);
    }
  }

  /**
   * Runs what waits in the sessions held here (these, or all of them): after this node's channel was
   * (re)subscribed, run signals sent while it was away are lost, but their messages are queued.
   */
  runWaiting(ids: Iterable<string> = this.runtimes.keys()): void {
    for (const id of ids) {
      const runtime = this.runtimes.get(id);
      if (runtime && !runtime.draining && !runtime.ended) {
        this.drain(runtime);
      }
    }
  }

  stats() {
    return heldStats(this.held());
  }

  private async take(sessionId: string, onlyWithWork: boolean, drain = true, from?: string): Promise<void> {
    if (this.stopping) {
      return;
    }
    const claim = await this.store.claim(sessionId, this.node, onlyWithWork, from);
    if (claim.state === 'held') {
      await this.signal(claim.holder, { kind: 'run', session_id: sessionId });
      return;
    }
    if (claim.state !== 'claimed') {
      return;
    }
    let runtime = this.runtimes.get(sessionId);
    if (!runtime) {
      runtime = new SessionRuntime(sessionId, claim.owner, claim.status);
      const held = runtime;
      held.runsNext = () => this.mayRun(held);
      // No process starts here: the clients start on the session's first turn on this node.
      runtime.mcp = this.mcp.forSession(this.bridge.hostFor(runtime));
      this.runtimes.set(sessionId, runtime);
    }
    if (claim.interrupted) {
      this.publisher.publishInterrupted(runtime, claim.interrupted.turn_id);
    }
    if (drain) {
      this.drain(runtime);
    }
  }

  /** Runs the session's queued turns one after another, until none is left. */
  private drain(runtime: SessionRuntime): void {
    if (runtime.draining) {
      runtime.again = true;
      return;
    }
    runtime.draining = this.runQueued(runtime)
      .catch(async (error: Error) => {
        // The store is away: the session is let go of here, and taken up again once the store is back
        // (its lease may still name this node, which lives on: no other node would take it).
        this.logger.error(`Turns of session ${runtime.id} stopped on node ${this.node}: ${error.message}`);
        await this.letGo(runtime, false);
        this.stranded.add(runtime.id);
      })
      .finally(() => {
        runtime.draining = undefined;
        if (runtime.again && !runtime.ended) {
          this.drain(runtime);
        }
      });
  }

  private async runQueued(runtime: SessionRuntime): Promise<void> {
    for (;;) {
      // Nothing was left as the last turn ended, and no message came since: the queue is empty.
      const empty = runtime.queueLooked && !runtime.again;
      runtime.queueLooked = false;
      runtime.again = false;
      if (!this.mayRun(runtime)) {
        return;
      }
      const started = runtime.started;
      runtime.started = undefined;
      if (!started && empty) {
        return;
      }
      const next = started
        ? { state: 'started' as const, ...started }
        : await this.store.startNext(runtime.id, this.node, runtime.history ? 0 : this.config.MAX_HISTORY_MESSAGES);
      if (next.state === 'idle') {
        if (runtime.again) {
          continue;
        }
        return;
      }
      if (next.state === 'lost' || (await this.turns.run(runtime, next)) === 'lost') {
        await this.letGo(runtime, false);
        return;
      }
    }
  }

  /** Whether a turn of the session may start here; draining with a shared store, what is queued waits for the next holder. */
  private mayRun(runtime: SessionRuntime): boolean {
    return !runtime.ended && !this.stopping && !(this.finishing && this.store.shared);
  }

  /** Forgets a session here: its turn stops quietly and its MCP clients close; `handOver` (shutting down) leaves it for other nodes. */
  async letGo(runtime: SessionRuntime, handOver: boolean): Promise<void> {
    if (this.runtimes.get(runtime.id) !== runtime) {
      return;
    }
    this.runtimes.delete(runtime.id);
    runtime.end();
    runtime.running?.controller.abort(
      new AppException(ErrorCode.TURN_INTERRUPTED, `Session ${runtime.id} left node ${this.node}`),
    );
    this.bridge.cancelAll(runtime);
    if (runtime.mcp) {
      await this.mcp.release(runtime.mcp);
    }
    // Let go of for good, or (shutting down) handed over: other nodes take it up once this one left.
    await this.store
      .release(runtime.id, this.node, handOver)
      .catch((error: Error) => this.logger.warn(`Releasing session ${runtime.id} failed: ${error.message}`));
  }

  private async signal(node: string, signal: SessionSignal): Promise<void> {
    // A node that is gone cannot be told; its lease lapses, and then a node takes the session over.
    await this.bus
      .send(node, signal)
      .catch((error: Error) => this.logger.debug(`Signal ${signal.kind} to node ${node} failed: ${error.message}`));
  }
}
