import { AppException } from '../../common/errors';
import { ErrorCode } from '../../contract/error-code';

/** A held place under MCP_MAX_PROCESSES; release() is idempotent. */
export interface ProcessSlot {
  release(): void;
}

/**
 * Counts live MCP server processes against MCP_MAX_PROCESSES, so that a flood of sessions meets a
 * clear error instead of exhausting memory (each Node server process takes about 70 MB).
 */
export class ProcessBudget {
  private live = 0;
  /** Frees a place by closing an idle process (pre-started, or an idle session's); false when there is none. */
  reclaim: () => Promise<boolean> = () => Promise.resolve(false);

  constructor(readonly max: number) {}

  get used(): number {
    return this.live;
  }

  /** A place without waiting or reclaiming, for optional work such as pre-warming. */
  tryAcquire(): ProcessSlot | undefined {
    if (this.live >= this.max) {
      return undefined;
    }
    this.live++;
    let held = true;
    return {
      release: () => {
        if (held) {
          held = false;
          this.live--;
        }
      },
    };
  }

  /**
   * A place for a session's server, reclaiming idle processes for as long as that is what it takes
   * (another start may take the place one of them freed). Refused only when nothing can be reclaimed.
   */
  async acquire(server: string, sessionLabel: string): Promise<ProcessSlot> {
    let slot = this.tryAcquire();
    while (!slot && (await this.reclaim())) {
      slot = this.tryAcquire();
    }
    if (!slot) {
      throw new AppException(
        ErrorCode.MCP_PROCESS_LIMIT,
        `MCP server "${server}" was not started for ${sessionLabel}: all ${this.max} MCP server processes (MCP_MAX_PROCESSES) serve running turns; try again when one has ended`,
      );
    }
    return slot;
  }
}
