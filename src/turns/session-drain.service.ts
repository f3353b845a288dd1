import { Injectable, Logger } from '@nestjs/common';

import { AppException } from '../common/errors';
import { settleWithin } from '../common/settle-within';
import { ErrorCode } from '../contract/error-code';
import { SessionStore } from '../session-store/session-store';
import { SessionWorker } from './session-worker.service';

// Longest wait at shutdown for running turns to record their interruption.
const RELEASE_WAIT_MS = 5000;

/**
 * How this node stops. First a graceful drain: from its start the node takes no new turn
 * (SERVER_DRAINING) and is not ready; the turns running here get a bounded time to finish. With a
 * shared store, turns still queued are left for the other nodes; with the memory store they run here
 * too, in that time. Then the shutdown: the sessions end, or are handed over.
 */
@Injectable()
export class SessionDrain {
  private readonly logger = new Logger(SessionDrain.name);
  private started = false;

  constructor(
    private readonly worker: SessionWorker,
    private readonly store: SessionStore,
  ) {}

  get draining(): boolean {
    return this.started;
  }

  /** Refuses new work once draining: the client should retry on another node (or after the restart). */
  assertAccepting(): void {
    if (this.started) {
      throw new AppException(
        ErrorCode.SERVER_DRAINING,
        'This server is shutting down and takes no new turns; retry in a moment (another node, or this one once restarted)',
      );
    }
  }

  /**
   * Starts the drain and waits, for at most `timeoutMs` or until `force` aborts, for this node's
   * turns to end. What still runs afterwards is cancelled by the shutdown that follows.
   */
  async drain(timeoutMs: number, force: AbortSignal): Promise<void> {
    this.started = true;
    const deadline = Date.now() + timeoutMs;
    const running = this.worker.finishRunning();
    if (running.length > 0) {
      this.logger.log(
        `Draining: waiting up to ${timeoutMs} ms (DRAIN_TIMEOUT_MS) for ${running.length} session(s) running turns`,
      );
    }
    // A loop that ends may start again (a queued turn, with the memory store): wait until none is left.
    for (let busy = running; busy.length > 0; busy = this.worker.finishRunning()) {
      const left = deadline - Date.now();
      if (left <= 0 || force.aborted) {
        this.logger.warn(`Drain time is up: ${busy.length} session(s) still running turns are cancelled`);
        return;
      }
      await settleWithin(busy, left, force);
    }
  }

  /**
   * Last, at shutdown: with a store only this node uses, its sessions end (each running and queued
   * turn gets its error, every stream session_end); with a shared one, other nodes take them over.
   */
  async shutdown(): Promise<void> {
    const runtimes = this.worker.stop();
    if (!this.store.shared) {
      await Promise.all(runtimes.map((runtime) => this.worker.end(runtime.id, 'shutdown')));
      return;
    }
    const stopped = new AppException(
      ErrorCode.SERVER_SHUTDOWN,
      'The node running this turn is shutting down; the session goes on, send the message again',
    );
    for (const runtime of runtimes) {
      runtime.running?.controller.abort(stopped);
    }
    // Their users' words are kept: each stopped turn records its interruption before the hand-over.
    await settleWithin(
      runtimes.map((runtime) => runtime.draining ?? Promise.resolve()),
      RELEASE_WAIT_MS,
    );
    await Promise.all(runtimes.map((runtime) => this.worker.letGo(runtime, true)));
    // Gone now, rather than once its heartbeat lapses: other nodes take up what waits at once.
    await this.store
      .leave(this.worker.node)
      .catch((error: Error) => this.logger.warn(`Leaving the cluster failed: ${error.message}`));
  }
}
