import { Injectable, Logger } from '@nestjs/common';

import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import type { SessionRecord } from '../contract/session-record';
import { SessionStore } from '../session-store/session-store';
import { SessionWorker } from '../turns/session-worker.service';
import { SessionHolder } from './session-holder';

// Sessions ended per sweep at most; the next sweep takes the rest.
const SWEEP_BATCH = 500;

/** The idle sweep: sessions nobody used for SESSION_TTL_MS end, each once across the cluster. */
@Injectable()
export class SessionSweep {
  private readonly logger = new Logger(SessionSweep.name);

  constructor(
    private readonly store: SessionStore,
    private readonly worker: SessionWorker,
    private readonly holder: SessionHolder,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /**
   * Ends sessions idle for longer than SESSION_TTL_MS, each once across the cluster (on the node
   * that holds it); a session with a turn running or queued is not idle, and the store checks that
   * again as it ends one. Index entries whose session is gone are dropped.
   */
  async sweepExpired(now = Date.now()): Promise<string[]> {
    const cutoff = now - this.config.SESSION_TTL_MS;
    const idle = await this.store.idleSince(cutoff, SWEEP_BATCH);
    const records = await Promise.all(idle.map((id) => this.store.get(id)));
    const gone = idle.filter((_, i) => records[i] === undefined);
    if (gone.length > 0) {
      await this.store.forget(gone);
      this.logger.log(`Dropped ${gone.length} index entr${gone.length === 1 ? 'y' : 'ies'} of sessions already gone`);
    }
    // Read again after the index: a turn may have ended (or a message come) in between.
    const candidates = records.filter(
      (record) => record && !record.running && record.queued === 0 && record.last_active_at <= cutoff,
    ) as SessionRecord[];
    const end = (id: string) => this.worker.end(id, 'expired', cutoff);
    const ended = await Promise.all(
      candidates.map((record) =>
        this.holder.ask(
          record.node,
          { kind: 'end', session_id: record.id, reason: 'expired', idle_before: cutoff },
          () => end(record.id),
        ),
      ),
    );
    const expired = candidates.filter((_, i) => ended[i] === true).map((record) => record.id);
    if (expired.length > 0) {
      this.logger.log(`Swept ${expired.length} idle session(s)`);
    }
    return expired;
  }
}
