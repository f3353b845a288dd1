import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Root } from '@modelcontextprotocol/client';
import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { LOCAL_PRINCIPAL } from '../auth/principal';
import { AppException, sessionNotFound } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { authConfigured } from '../config/validate-environment';
import { ErrorCode } from '../contract/error-code';
import { McpDiscovery } from './capacity/mcp-discovery';
import { PrewarmPool } from './capacity/mcp-prewarm-pool';
import { ProcessBudget } from './capacity/mcp-process-budget';
import { McpServerBoard } from './catalog/mcp-server-board';
import type { ServerStatus } from './catalog/mcp-server-board';
import type { McpClientHost } from './client/mcp-client-host';
import { EraVerdicts } from './client/mcp-era';
import { SupervisedClient } from './client/supervised-client';
import type { SupervisorOptions } from './client/supervised-client';
import type { LoadedMcpConfig, McpServerConfig, RemoteServerConfig } from './config/mcp-config';
import { expandForSession } from './config/mcp-session-places';
import { McpSessionClients } from './mcp-session-clients';
import { McpMetrics } from './mcp.metrics';
import { McpOAuthService } from './oauth/mcp-oauth.service';

export const MCP_CONFIG = Symbol('MCP_CONFIG');

/**
 * The MCP layer's front: hands each session its clients (own ones for session-scoped servers, the
 * one shared client otherwise), keeps the process budget and the pre-warm pool, pings every client
 * on the heartbeat, and knows each configured server's status.
 */
@Injectable()
export class McpService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(McpService.name);
  private readonly board: McpServerBoard;
  private readonly sessions = new Map<string, McpSessionClients>();
  /** Idle sessions' servers being closed for a place under MCP_MAX_PROCESSES. */
  private readonly suspensions = new Set<Promise<void>>();
  private readonly shared = new Map<string, SupervisedClient>();
  /** Every configured server, its approval mode resolved; `enabled` leaves out the disabled ones. */
  private readonly servers: McpServerConfig[];
  private readonly enabled: McpServerConfig[];
  private readonly budget: ProcessBudget;
  private readonly pool: PrewarmPool;
  /** How the `auto` stdio servers answered the era probe: asked once per server, not per start. */
  private readonly verdicts = new EraVerdicts();
  /** The workspace: the roots of shared servers, and of every session in single-user mode. */
  private readonly roots: Root[];
  /** With authentication, each session's servers see only their owner's folder as roots. */
  private readonly perUser: boolean;
  /** Where each session's ${SESSION_DIR} is made; this instance's own, removed at shutdown. */
  readonly sessionsRoot = join(tmpdir(), `mcp-host-${process.pid}-${randomBytes(4).toString('hex')}`);
  /** Where each principal's ${USER_DIR} is made; kept, so their servers find their state in later sessions. */
  readonly usersRoot: string;
  /** The start-up listing of every server, while it runs; aborted at shutdown. */
  private discoverer?: McpDiscovery;
  private discovery?: Promise<void>;
  private readonly stopDiscovery = new AbortController();
  private poolFilled = false;

  constructor(
    @Inject(MCP_CONFIG) private readonly config: LoadedMcpConfig,
    @InjectAppConfig() private readonly app: AppConfig,
    private readonly metrics: McpMetrics,
    @Optional() private readonly oauth?: McpOAuthService,
  ) {
    // Servers that do not say how their calls are approved follow MCP_APPROVAL_DEFAULT.
    this.servers = config.servers.map((server) => ({
      ...server,
      requireApproval: server.requireApproval ?? app.MCP_APPROVAL_DEFAULT,
    }));
    this.enabled = this.servers.filter((server) => !server.disabled);
    this.board = new McpServerBoard(this.servers, metrics);
    this.roots = [{ uri: pathToFileURL(config.workspaceDir).href, name: 'workspace' }];
    this.perUser = authConfigured(app);
    this.usersRoot = resolve(app.USERS_DIR);
    this.budget = new ProcessBudget(app.MCP_MAX_PROCESSES);
    // A pre-started client gets its roots when a session takes it; until then, with users kept apart, none.
    const poolRoots = this.perUser ? [] : this.roots;
    this.pool = new PrewarmPool(app.MCP_PREWARM, this.budget, poolRoots, {
      timeoutMs: app.MCP_START_TIMEOUT_MS,
      verdicts: this.verdicts,
    });
    this.budget.reclaim = () => this.reclaim();
    metrics.processes.readFrom(() => this.budget.used);
    this.logger.debug(
      `MCP servers from ${config.source}: ${config.servers.map((server) => `${server.name}${server.disabled ? ' (disabled)' : ''}`).join(', ') || 'none'}`,
    );
  }

  onApplicationBootstrap(): void {
    this.fillPool();
  }

  /** Starts the pre-warm pool, once (the catalog lists through it, whichever of the two comes first). */
  private fillPool(): void {
    if (!this.poolFilled) {
      this.poolFilled = true;
      this.pool.fill(this.enabled.map((server) => this.pooledConfig(server)));
    }
  }

  /**
   * A server's config as the pool starts it. Single-user, the one principal's places are known now,
   * so servers that only use those (the bundled memory server) can be pre-started too; with users
   * kept apart they cannot.
   */
  private pooledConfig(server: McpServerConfig): McpServerConfig {
    const local = { userId: LOCAL_PRINCIPAL.id, userDir: this.userDir(LOCAL_PRINCIPAL.id) };
    return this.perUser ? server : expandForSession(server, local);
  }

  /**
   * Lists every enabled server's tools, prompts and resource templates in the background (the
   * catalog before any session); resolves once each is listed or has failed. Called once, after
   * start-up; later calls return the same listing.
   */
  discoverCatalog(): Promise<void> {
    this.fillPool();
    const places = {
      sessionId: 'catalog',
      sessionDir: join(this.sessionsRoot, 'catalog'),
      userId: this.perUser ? 'catalog' : LOCAL_PRINCIPAL.id,
      userDir: this.perUser ? join(this.sessionsRoot, 'catalog-user') : this.userDir(LOCAL_PRINCIPAL.id),
    };
    this.discoverer ??= new McpDiscovery({
      board: this.board,
      budget: this.budget,
      startTimeoutMs: this.app.MCP_START_TIMEOUT_MS,
      verdicts: this.verdicts,
      roots: this.perUser ? [] : this.roots,
      places,
      shared: (config) => this.clientFor(config),
      pooled: (config) => this.pool.peek(this.pooledConfig(config)),
      signal: this.stopDiscovery.signal,
      refreshMinMs: this.app.MCP_CATALOG_REFRESH_MIN_MS,
    });
    this.discovery ??= this.discoverer.run(this.enabled);
    return this.discovery;
  }

  /** A session's clients; nothing starts until its first turn (or a REST read) needs a server. */
  forSession(host: McpClientHost): McpSessionClients {
    const clients = new McpSessionClients(
      host,
      this.enabled,
      (config, owner) => this.clientFor(config, owner),
      this.sessionsRoot,
      this.userDir(host.userId),
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

  /** The principal's private folder: its id when that is a plain name, else a digest (no path tricks). */
  userDir(userId: string): string {
    const plain = /^[\w-][\w.@-]{0,63}$/.test(userId);
    return join(this.usersRoot, plain ? userId : `=${createHash('sha256').update(userId).digest('hex').slice(0, 32)}`);
  }

  serverConfig(name: string): McpServerConfig {
    const server = this.servers.find((candidate) => candidate.name === name);
    if (!server) {
      throw new AppException(ErrorCode.NOT_FOUND, `No MCP server named "${name}" is configured`);
    }
    return server;
  }

  /** Names of the enabled remote servers (those that may ask for OAuth). */
  remoteServers(): string[] {
    return this.enabled.filter((server) => server.transport !== 'stdio').map((server) => server.name);
  }

  /** A remote server's config; NOT_FOUND for any other name. */
  remoteConfig(name: string): RemoteServerConfig {
    const server = this.serverConfig(name);
    if (server.transport === 'stdio') {
      throw new AppException(ErrorCode.NOT_FOUND, `MCP server "${name}" is not a remote server`);
    }
    return server;
  }

  /** The shared client of a shared server, for REST reads without a session. */
  sharedClient(name: string): SupervisedClient {
    return this.clientFor(this.serverConfig(name));
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

  statuses(): ServerStatus[] {
    // A listing past its server's cache hint is made again for the next read.
    this.discoverer?.refresh(this.board.stale().map((name) => this.serverConfig(name)));
    return this.board.statuses((server) => this.pool.count(server));
  }

  processes(): { live: number; max: number } {
    return { live: this.budget.used, max: this.budget.max };
  }

  /** Safety net: whatever sessions did not close, no MCP process outlives the app, nor its folder. */
  async onApplicationShutdown(): Promise<void> {
    this.stopDiscovery.abort();
    await this.discovery;
    await this.discoverer?.settled();
    await Promise.all([
      ...[...this.sessions.values()].map((clients) => this.release(clients)),
      ...[...this.shared.values()].map((client) => client.close()),
      this.pool.close(),
    ]);
    await rm(this.sessionsRoot, { recursive: true, force: true });
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

  private clientFor(config: McpServerConfig, owner?: McpClientHost): SupervisedClient {
    if (config.scope === 'shared') {
      let client = this.shared.get(config.name);
      if (!client) {
        client = this.board.track(new SupervisedClient(config, this.supervisorOptions('all sessions')));
        this.shared.set(config.name, client);
      }
      return client;
    }
    const label = owner ? `session ${owner.sessionId}` : 'no session';
    const roots =
      owner && this.perUser
        ? [{ uri: pathToFileURL(this.userDir(owner.userId)).href, name: 'your folder' }]
        : this.roots;
    // A remote server that demands OAuth gets the token of the session's owner.
    const auth = owner && config.transport !== 'stdio' ? this.oauth?.providerFor(config, owner.userId) : undefined;
    return this.board.track(new SupervisedClient(config, { ...this.supervisorOptions(label, roots), auth }, owner));
  }

  private supervisorOptions(label: string, roots = this.roots): SupervisorOptions {
    return {
      label,
      roots,
      budget: this.budget,
      pool: this.pool,
      startTimeoutMs: this.app.MCP_START_TIMEOUT_MS,
      maxRestarts: this.app.MCP_MAX_RESTARTS,
      restartBaseMs: this.app.MCP_RESTART_BASE_MS,
      verdicts: this.verdicts,
    };
  }
}
