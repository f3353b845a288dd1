import { Logger } from '@nestjs/common';
import type { Root } from '@modelcontextprotocol/client';

import type { Connector } from '../client/mcp-connect';
import { DETACHED } from '../client/mcp-connection';
import type { McpConnection } from '../client/mcp-connection';
import type { EraVerdicts } from '../client/mcp-era';
import type { McpServerConfig } from '../config/mcp-config';
import { SESSION_PLACEHOLDERS } from '../config/mcp-config-parser';
import type { ProcessBudget } from './mcp-process-budget';

/**
 * MCP_PREWARM started and initialized stdio clients per session-scoped server, so that a session's
 * first turn (or its first after an idle close) does not wait for spawn and initialize. Only servers
 * whose command line does not depend on the session can be started before the session exists; a
 * client serves a session whose config is exactly the one it was started with.
 */
export class PrewarmPool {
  private readonly logger = new Logger(PrewarmPool.name);
  private readonly idle = new Map<string, McpConnection[]>();
  private readonly starting = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();
  /** The exact config each server's idle clients were started with: a client serves only that. */
  private readonly started = new Map<string, string>();
  /** Who waits to see a server's first pre-started client (the catalog, listing through it). */
  private readonly watchers = new Map<string, Array<(connection?: McpConnection) => void>>();
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly budget: ProcessBudget,
    private readonly roots: Root[],
    private readonly start: { timeoutMs: number; verdicts: EraVerdicts; connect: Connector },
  ) {}

  static eligible(config: McpServerConfig): boolean {
    return (
      config.transport === 'stdio' &&
      config.scope === 'session' &&
      !config.disabled &&
      !SESSION_PLACEHOLDERS.some((key) => JSON.stringify(config).includes(`\${${key}}`))
    );
  }

  /** Idle pre-started clients of the server. */
  count(server: string): number {
    return this.idle.get(server)?.length ?? 0;
  }

  fill(servers: readonly McpServerConfig[]): void {
    for (const server of servers.filter((config) => PrewarmPool.eligible(config))) {
      this.started.set(server.name, JSON.stringify(server));
      this.topUp(server);
    }
  }

  /** A ready client for a new session, if one is waiting; a replacement starts in the background. */
  take(config: McpServerConfig): McpConnection | undefined {
    if (this.size === 0 || this.started.get(config.name) !== JSON.stringify(config)) {
      return undefined;
    }
    const connection = this.idle.get(config.name)?.shift();
    this.topUp(config);
    return connection?.alive ? connection : undefined;
  }

  /**
   * An idle pre-started client of the server, left in the pool, as soon as one is up; undefined when
   * the pool does not keep this config or its start failed.
   */
  peek(config: McpServerConfig): Promise<McpConnection | undefined> {
    if (this.size === 0 || this.started.get(config.name) !== JSON.stringify(config)) {
      return Promise.resolve(undefined);
    }
    const idle = this.idle.get(config.name)?.[0];
    if (idle || !this.starting.get(config.name)) {
      return Promise.resolve(idle);
    }
    return new Promise((resolve) =>
      this.watchers.set(config.name, [...(this.watchers.get(config.name) ?? []), resolve]),
    );
  }

  /** Closes the oldest idle client of any server: a session needs its process slot more. */
  async reclaim(): Promise<boolean> {
    for (const connections of this.idle.values()) {
      const victim = connections.shift();
      if (victim) {
        await victim.close();
        return true;
      }
    }
    return false;
  }

  async close(): Promise<void> {
    this.closed = true;
    [...this.watchers.keys()].forEach((server) => this.notify(server));
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    // Starts under way close themselves when they finish; wait for them too.
    await Promise.all([...all.map((connection) => connection.close()), ...this.pending]);
  }

  private topUp(config: McpServerConfig): void {
    const missing = this.size - this.count(config.name) - (this.starting.get(config.name) ?? 0);
    for (let i = 0; i < missing && !this.closed; i++) {
      // Pre-warming never takes a place a session could need later: it only uses free ones.
      const slot = this.budget.tryAcquire();
      if (!slot) {
        return;
      }
      this.starting.set(config.name, (this.starting.get(config.name) ?? 0) + 1);
      const { timeoutMs, verdicts, connect } = this.start;
      const started = connect(config, 'pre-warm pool', this.roots, {
        timeoutMs,
        verdicts,
        signal: AbortSignal.timeout(timeoutMs),
      })
        .then(async (connection) => {
          void connection.exited.then(() => slot.release());
          if (this.closed) {
            await connection.close();
            return;
          }
          connection.events = { ...DETACHED, lost: () => this.drop(config.name, connection) };
          this.idle.set(config.name, [...(this.idle.get(config.name) ?? []), connection]);
          this.notify(config.name, connection);
        })
        .catch((error: unknown) => {
          slot.release();
          this.logger.warn(`Pre-starting MCP server "${config.name}" failed: ${(error as Error).message}`);
        })
        .finally(() => {
          this.starting.set(config.name, (this.starting.get(config.name) ?? 1) - 1);
          this.pending.delete(started);
          if (!this.starting.get(config.name)) {
            // Nothing more is coming for those still waiting.
            this.notify(config.name, this.idle.get(config.name)?.[0]);
          }
        });
      this.pending.add(started);
    }
  }

  private notify(server: string, connection?: McpConnection): void {
    const watchers = this.watchers.get(server) ?? [];
    this.watchers.delete(server);
    watchers.forEach((watch) => watch(connection));
  }

  private drop(server: string, connection: McpConnection): void {
    this.idle.set(
      server,
      (this.idle.get(server) ?? []).filter((candidate) => candidate !== connection),
    );
  }
}
