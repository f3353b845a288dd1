import { AppException, ErrorCode } from '../common/errors';

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
  /** Frees a place by closing an idle pre-started process; false when there is none. */
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

  /** A place for a session's server, reclaiming a pre-started one if that is what it takes. */
  async acquire(server: string, sessionLabel: string): Promise<ProcessSlot> {
    const slot = this.tryAcquire() ?? ((await this.reclaim()) ? this.tryAcquire() : undefined);
    if (!slot) {
      throw new AppException(
        ErrorCode.MCP_PROCESS_LIMIT,
        `MCP server "${server}" was not started for ${sessionLabel}: ${this.max} MCP server processes are running (MCP_MAX_PROCESSES); try again when other sessions have ended`,
      );
    }
    return slot;
  }
}
