import { Injectable, Logger } from '@nestjs/common';

import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { SessionStore } from '../session-store/session-store';
import { SessionWorker } from './session-worker.service';

// Sessions of dead or departed nodes looked at per pass.
const ADOPT_BATCH = 50;

/**
 * This node's side of the leases, with a shared store: its heartbeat, what it verifies when the
 * heartbeat lapsed, and the sessions it takes over from nodes that died or left.
 */
@Injectable()
export class SessionLeaseKeeper {
  private readonly logger = new Logger(SessionLeaseKeeper.name);

  constructor(
    private readonly worker: SessionWorker,
    private readonly store: SessionStore,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /**
   * Keeps this node alive: one heartbeat, whatever it holds. When its previous one had lapsed, other
   * nodes may have taken its sessions: each is verified, those taken are let go of here, and messages
   * waiting with no turn running (their wake-up was lost meanwhile) start now. Sessions whose turn has
   * run for half a sweep period are verified too, which keeps their records from expiring under the turn.
   */
  async renew(): Promise<void> {
    const node = this.config.NODE_ID;
    const lapsed = await this.store.heartbeat(node, this.config.TURN_LEASE_MS);
    await this.worker.retakeStranded();
    const now = Date.now();
    // A turn's records were kept at its start by the last turn's end; their expiry allows a sweep period more.
    const due = this.worker
      .held()
      .filter(
        (runtime) => lapsed || (runtime.running && now - runtime.running.keptAt >= this.config.SESSION_SWEEP_MS / 2),
      );
    if (due.length === 0) {
      return;
    }
    const { lost, waiting } = await this.store.verify(
      due.map((runtime) => runtime.id),
      node,
    );
    for (const runtime of due) {
      if (runtime.running) {
        runtime.running.keptAt = now;
      }
    }
    for (const id of lost) {
      const runtime = this.worker.holding(id);
      if (runtime) {
        this.logger.warn(`Session ${id} is no longer held by node ${node}; its MCP clients here stop`);
        await this.worker.letGo(runtime, false);
      }
    }
    this.worker.runWaiting(waiting);
  }

  /** Takes over sessions with work whose holder died or left. */
  async adopt(): Promise<void> {
    if (!this.worker.accepting) {
      return;
    }
    for (const orphan of await this.store.orphans(Date.now(), ADOPT_BATCH)) {
      await this.worker.adopt(orphan.id, orphan.from);
    }
  }
}
