import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

import { sessionNotFound } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { McpDiscovery } from './capacity/mcp-discovery';
import { PrewarmPool } from './capacity/mcp-prewarm-pool';
import { ProcessBudget } from './capacity/mcp-process-budget';
import { McpServerBoard } from './catalog/mcp-server-board';
import type { BoardViewer, ServerStatus } from './catalog/mcp-server-board';
import { McpClientFactory } from './client/mcp-client-factory';
import type { McpClientHost } from './client/mcp-client-host';
import { McpPlaces } from './config/mcp-places';
import { McpServers } from './config/mcp-servers';
import { McpSessionClients } from './mcp-session-clients';
import { McpMetrics } from './mcp.metrics';
import { McpSandbox } from './sandbox/mcp-sandbox';
import type { SandboxStatus } from './sandbox/mcp-sandbox';

/** A server as the listing shows it, with its sandbox. */
export type ServerListing = ServerStatus & { sandbox: SandboxStatus };

/**
 * The MCP layer's front: hands each session its clients (own ones for session-scoped servers, the
 * one shared client otherwise), frees process places by closing idle sessions' servers, pings every
 * client on the heartbeat, and knows each configured server's status.
 */
@Injectable()
export class McpService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(McpService.name);
  private readonly sessions = new Map<string, McpSessionClients>();
  /** Idle sessions' servers being closed for a place under MCP_MAX_PROCESSES. */
  private readonly suspensions = new Set<Promise<void>>();
  private poolFilled = false;

  constructor(
    private readonly servers: McpServers,
    private readonly places: McpPlaces,
    private readonly budget: ProcessBudget,
    private readonly pool: PrewarmPool,
    private readonly board: McpServerBoard,
    private readonly discovery: McpDiscovery,
    private readonly clients: McpClientFactory,
    private readonly metrics: McpMetrics,
    private readonly sandbox: McpSandbox,
    @InjectAppConfig() private readonly app: AppConfig,
  ) {
    budget.reclaim = () => this.reclaim();
    metrics.processes.readFrom(() => budget.used);
    const names = servers.all.map((server) => `${server.name}${server.disabled ? ' (disabled)' : ''}`);
    this.logger.debug(`MCP servers from ${servers.source}: ${names.join(', ') || 'none'}`);
  }

  onApplicationBootstrap(): void {
    this.fillPool();
  }

  /**
   * Lists every enabled server's tools, prompts and resource templates in the background (the
   * catalog before any session); resolves once each is listed or has failed. Called once, after
   * start-up; later calls return the same listing.
   */
  discoverCatalog(): Promise<void> {
    // The catalog lists through the pool: it is started first, whichever of the two comes first.
    this.fillPool();
    return this.discovery.run(this.servers.enabled);
  }

  /** A session's clients; nothing starts until its first turn (or a REST read) needs a server. */
  forSession(host: McpClientHost): McpSessionClients {
    const clients = new McpSessionClients(
      host,
      this.servers.enabled,
      (config, owner) => this.clients.clientFor(config, owner),
      this.places.sessionsRoot,
      this.places.userDir(host.userId),
      this.metrics,
    );
    this.sessions.set(host.sessionId, clients);
    return clients;
  }

  /**
   * The session's clients, for REST reads by its owner; SESSION_NOT_FOUND once the session has
   * ended, when this node does not hold it, or when `userId` does not own it.
   */
  clientsOf(sessionId: string, userId: string): McpSessionClients {
    const clients = this.sessions.get(sessionId);
    if (clients?.host.userId !== userId) {
      throw sessionNotFound(sessionId);
    }
    return clients;
  }

  async release(clients: McpSessionClients): Promise<void> {
    this.sessions.delete(clients.sessionId);
    await clients.close();
  }

  /** Heartbeat: every live client is pinged; one that does not answer is restarted. */
  async pingAll(): Promise<void> {
    const clients = this.board.clients();
    await Promise.all([...clients].map((client) => client.ping(this.app.MCP_PING_TIMEOUT_MS)));
  }

  /**
   * Closes the own servers of sessions that ran no turn (nor a read) for MCP_IDLE_TIMEOUT_MS: the
   * sessions live on, and their next turn starts the servers again. Returns how many were closed.
   */
  async closeIdle(now = Date.now()): Promise<number> {
    const timeout = this.app.MCP_IDLE_TIMEOUT_MS;
    if (timeout === 0) {
      return 0;
    }
    const idle = [...this.sessions.values()].filter((clients) => clients.idle && now - clients.lastUsedAt >= timeout);
    await Promise.all(idle.map((clients) => clients.suspend()));
    if (idle.length > 0) {
      this.logger.debug(
        `Closed the MCP servers of ${idle.length} session(s) idle for ${timeout} ms (MCP_IDLE_TIMEOUT_MS)`,
      );
    }
    return idle.length;
  }

  /** The servers as `viewer` may see them (see McpServerBoard.statuses); with none, everything known. */
  statuses(viewer?: BoardViewer): ServerListing[] {
    // A listing past its server's cache hint is made again for the next read.
    this.discovery.refresh(this.board.stale().map((name) => this.servers.byName(name)));
    return this.board
      .statuses((server) => this.pool.count(server), viewer)
      .map((status) => ({ ...status, sandbox: this.sandbox.status(this.servers.byName(status.name)) }));
  }

  processes(): { live: number; max: number } {
    return { live: this.budget.used, max: this.budget.max };
  }

  /** Safety net: whatever sessions did not close, no MCP process outlives the app, nor its folder. */
  async onApplicationShutdown(): Promise<void> {
    await this.discovery.stop();
    await Promise.all([
      ...[...this.sessions.values()].map((clients) => this.release(clients)),
      this.clients.closeShared(),
      this.pool.close(),
    ]);
    await this.places.removeSessionFolders();
    await this.sandbox.settle();
  }

  /** Starts the pre-warm pool, once. */
  private fillPool(): void {
    if (!this.poolFilled) {
      this.poolFilled = true;
      // With users kept apart, a sandbox belongs to one principal: none is started before its session.
      const poolable = this.servers.enabled.filter(
        (server) => !(this.places.perUser && this.sandbox.sandboxed(server)),
      );
      this.pool.fill(poolable.map((server) => this.places.pooled(server)));
    }
  }

  /**
   * Frees a process place at MCP_MAX_PROCESSES: an idle pre-started process first, then the servers
   * of the session that has used them least recently and is not running a turn. False when every
   * process belongs to a running turn (or a start or read under way).
   */
  private async reclaim(): Promise<boolean> {
    if (await this.pool.reclaim()) {
      return true;
    }
    let idlest: McpSessionClients | undefined;
    for (const clients of this.sessions.values()) {
      if (clients.reclaimable && (!idlest || clients.lastUsedAt < idlest.lastUsedAt)) {
        idlest = clients;
      }
    }
    if (!idlest) {
      // Two starts at once both reclaim: the second waits for the places the first is freeing.
      if (this.suspensions.size === 0) {
        return false;
      }
      await Promise.race(this.suspensions);
      return true;
    }
    this.logger.log(
      `Closing the MCP servers of idle session ${idlest.sessionId} to make room (MCP_MAX_PROCESSES=${this.budget.max}); its next turn starts them again`,
    );
    const suspension = idlest.suspend();
    this.suspensions.add(suspension);
    try {
      await suspension;
    } finally {
      this.suspensions.delete(suspension);
    }
    return true;
  }
}
