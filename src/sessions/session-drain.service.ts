import { Injectable, Logger } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';

import { AppException, ErrorCode } from '../common/errors';
import { SessionWorker } from './session-worker.service';

/**
 * A graceful drain before shutdown: from its start the node takes no new turn (SERVER_DRAINING) and
 * is not ready; the turns running here get a bounded time to finish. With a shared store, turns
 * still queued are left for the other nodes; with the memory store they run here too, in that time.
 */
@Injectable()
export class SessionDrain {
  private readonly logger = new Logger(SessionDrain.name);
  private started = false;

  constructor(private readonly worker: SessionWorker) {}

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
      const bound = new AbortController();
      await Promise.race([
        Promise.allSettled(busy),
        delay(left, undefined, { signal: AbortSignal.any([bound.signal, force]) }).catch(() => undefined),
      ]);
      bound.abort();
    }
  }
}
