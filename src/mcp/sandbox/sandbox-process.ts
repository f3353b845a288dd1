import { Logger } from '@nestjs/common';
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

import type { SandboxWatch } from '../client/sandbox-watch';
import type { SandboxLimitKill } from '../mcp.metrics';
import type { SandboxCgroup } from './sandbox-cgroups';

/** One sandbox's limits, after the entry's overrides. */
export interface SandboxLimits {
  memory_mb: number;
  max_processes: number;
  file_size_mb: number;
  tmp_mb: number;
}

/** What a limit is called in errors: its name and the setting that sets it. */
const LIMIT_NAMES = {
  memory: (limits: SandboxLimits) => `memory limit (MCP_SANDBOX_MEMORY_MB = ${limits.memory_mb})`,
  file_size: (limits: SandboxLimits) => `file size limit (MCP_SANDBOX_FILE_SIZE_MB = ${limits.file_size_mb})`,
  processes: (limits: SandboxLimits) => `process limit (MCP_SANDBOX_MAX_PROCESSES = ${limits.max_processes})`,
};

/** Errors a limit explains when the server meets it and goes on: a write past the size, a failed fork or allocation. */
const EXPLAINED: Array<[RegExp, keyof typeof LIMIT_NAMES]> = [
  [/\bEFBIG\b|file too large/i, 'file_size'],
  [/\bEAGAIN\b|resource temporarily unavailable/i, 'processes'],
  [/\bENOMEM\b|cannot allocate memory|heap out of memory/i, 'memory'],
];

export interface SandboxEvents {
  spawned(): void;
  ended(limit: SandboxLimitKill | undefined): void;
  /** Its cgroup is gone (or left for the next start). */
  removed(): void;
}

/**
 * One sandboxed server process and its cgroup: how it ended (a limit, told by the cgroup's OOM-kill
 * count or the exit signal), and the cgroup removed once it has.
 */
export class SandboxedProcess implements SandboxWatch {
  private readonly logger = new Logger('McpSandbox');
  private limit?: SandboxLimitKill;
  private removal?: Promise<void>;

  constructor(
    private readonly server: string,
    private readonly label: string,
    readonly limits: SandboxLimits,
    private readonly cgroup: SandboxCgroup | undefined,
    private readonly events: SandboxEvents,
  ) {}

  /** Watches the server's process (not the era probe's, which shares the cgroup and is reaped first). */
  watch(child: ChildProcess): void {
    this.events.spawned();
    child.once('exit', (code, signal) => {
      const memoryKills = this.cgroup?.oomKills() ?? 0;
      // bwrap reports a command killed by a signal as 128 + its number.
      const xfsz = signal === 'SIGXFSZ' || code === 128 + constants.signals.SIGXFSZ;
      this.limit = memoryKills > 0 ? 'memory' : xfsz ? 'file_size' : undefined;
      if (this.limit) {
        this.logger.warn(
          `MCP server "${this.server}" [${this.label}] was ended by its sandbox's ${LIMIT_NAMES[this.limit](this.limits)}`,
        );
      }
      this.events.ended(this.limit);
      void this.end();
    });
  }

  endedBy(): string | undefined {
    return this.limit ? LIMIT_NAMES[this.limit](this.limits) : undefined;
  }

  explain(text: string): string {
    const limits = EXPLAINED.filter(([pattern]) => pattern.test(text)).map(([, limit]) =>
      LIMIT_NAMES[limit](this.limits),
    );
    return limits.length > 0 ? `${text}\n(the sandbox's ${limits.join(', ')})` : text;
  }

  /** Removes the cgroup, once; the promise settles when it is gone (or given up on, for the next start). */
  end(): Promise<void> {
    this.removal ??= (this.cgroup?.remove() ?? Promise.resolve(true)).then((removed) => {
      if (!removed) {
        this.logger.warn(
          `The cgroup of "${this.server}" [${this.label}] still holds processes; the next start removes it`,
        );
      }
      this.events.removed();
    });
    return this.removal;
  }
}
