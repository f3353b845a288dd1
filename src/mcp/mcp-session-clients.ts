import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { principalToken } from '../auth/principal';
import { AppException, sessionNotFound } from '../common/errors';
import { ErrorCode } from '../contract/error-code';
import type { McpClientHost, ServerStatusChange } from './client/mcp-client-host';
import type { McpStartOptions } from './client/mcp-connect';
import type { CallOptions } from './client/mcp-connection';
import { needsApproval, visibleTools } from './client/mcp-tool';
import type { McpTool, ToolResult } from './client/mcp-tool';
import type { SupervisedClient } from './client/supervised-client';
import type { McpServerConfig } from './config/mcp-config';
import { expandForSession } from './config/mcp-session-places';
import type { SessionPlaces } from './config/mcp-session-places';
import { forViews } from './extensions/mcp-apps';
import type { McpMetrics } from './mcp.metrics';
import { indexTools } from './tool-index';
import type { IndexedTool } from './tool-index';

export interface StartFailure {
  server: string;
  code: ErrorCode;
  message: string;
}

/** How a session gets a client: its own for session-scoped servers, the shared one otherwise. */
export type ClientSource = (config: McpServerConfig, host: McpClientHost) => SupervisedClient;

/**
 * One session's MCP clients: started lazily (on the first turn), kept up by their supervisors, and
 * closed with the session, or earlier when the process cap needs the place of an idle session (they
 * start again on its next turn). The tool set the agent sees is rebuilt between turns, so a restart
 * or a tools/list_changed takes effect at the next turn and never under a running one.
 */
export class McpSessionClients {
  private readonly clients = new Map<string, SupervisedClient>();
  private readonly unsubscribes = new Map<string, () => void>();
  private readonly places: SessionPlaces;
  private toolIndex = new Map<string, IndexedTool>();
  private toolList: readonly McpTool[] = [];
  /** Set by any change of a client's state or tools: the index is rebuilt before the next turn. */
  private stale = true;
  private closed = false;
  /** Starts and REST reads under way: their clients are in use even outside a turn. */
  private uses = 0;
  /** When a turn or a read last used the clients (epoch ms): the idlest session gives its place first. */
  lastUsedAt = Date.now();

  /** `sessionsRoot`: the folder whose sub-folder per session is ${SESSION_DIR}; `userDir`: the owner's ${USER_DIR}. */
  constructor(
    readonly host: McpClientHost,
    private readonly servers: readonly McpServerConfig[],
    private readonly source: ClientSource,
    sessionsRoot: string,
    userDir: string,
    private readonly metrics: McpMetrics,
  ) {
    this.places = {
      sessionId: host.sessionId,
      sessionDir: join(sessionsRoot, host.sessionId),
      // ${USER_ID} is the owner's token: safe in argv, env and paths, whatever the id.
      userId: principalToken(host.userId),
      userDir,
    };
  }

  get sessionId(): string {
    return this.host.sessionId;
  }

  /** True once a server has been asked for (a turn or a REST read). */
  get started(): boolean {
    return this.clients.size > 0;
  }

  /** True when a turn would find every server ready (nothing to start or wait for). */
  get ready(): boolean {
    return this.servers.every((server) => this.clients.get(server.name)?.status === 'ready');
  }

  /**
   * Whether this session holds session-scoped server processes that could be closed for another
   * session: not while a turn runs, nor while a start or a read is under way.
   */
  get reclaimable(): boolean {
    return this.idle && this.ownClients().some((client) => client.config.transport === 'stdio' && client.live);
  }

  /** True when the session holds servers of its own and nothing uses them now (no turn, start or read). */
  get idle(): boolean {
    return !this.closed && this.uses === 0 && !this.host.inTurn && this.ownClients().length > 0;
  }

  /** Runs `work` with the clients marked in use, so the process cap does not close them under it. */
  async use<T>(work: () => Promise<T>): Promise<T> {
    this.uses++;
    try {
      return await work();
    } finally {
      this.uses--;
      this.lastUsedAt = Date.now();
    }
  }

  /** Starts every server not ready yet, in parallel; a failure does not stop the others. */
  ensureStarted(start: McpStartOptions): Promise<StartFailure[]> {
    return this.use(() => this.startAll(start));
  }

  private async startAll(start: McpStartOptions): Promise<StartFailure[]> {
    if (this.closed) {
      throw sessionNotFound(this.sessionId);
    }
    const configs = JSON.stringify(this.servers);
    if (configs.includes('${SESSION_DIR}')) {
      await mkdir(this.places.sessionDir, { recursive: true });
    }
    if (configs.includes('${USER_DIR}')) {
      // Private to the server's OS account; other principals reach it only if a config names it.
      await mkdir(this.places.userDir, { recursive: true, mode: 0o700 });
    }
    const outcomes = await Promise.all(
      this.servers.map(async (server): Promise<StartFailure | undefined> => {
        try {
          await this.clientOf(server).ensureReady(start);
          return undefined;
        } catch (error) {
          const code = error instanceof AppException ? error.code : ErrorCode.MCP_SERVER_FAILED;
          const detail = (error as Error).message;
          const message =
            code === ErrorCode.MCP_SERVER_FAILED ? `MCP server "${server.name}" failed to start: ${detail}` : detail;
          return { server: server.name, code, message };
        }
      }),
    );
    return outcomes.filter((outcome): outcome is StartFailure => outcome !== undefined);
  }

  /** The client of one server, not started (for REST reads of resources and prompts, which start it). */
  client(server: string): SupervisedClient {
    const config = this.servers.find((candidate) => candidate.name === server);
    if (!config) {
      throw new AppException(ErrorCode.NOT_FOUND, `MCP server "${server}" is not configured or is disabled`);
    }
    return this.clientOf(config);
  }

  /**
   * The agent's tools for the next turn, from every ready server. The same array until something
   * changes, so the agent can reuse what it derived from it (the model bound to these tools).
   */
  tools(): readonly McpTool[] {
    // Every turn asks for its tools: the clients count as used from then on.
    this.lastUsedAt = Date.now();
    if (this.stale) {
      this.stale = false;
      this.toolIndex = indexTools(this.clients.values());
      this.toolList = [...this.toolIndex.values()].map((entry) => entry.tool);
    }
    return this.toolList;
  }

  /** A tool the agent may call, by its model-facing name. */
  tool(name: string): McpTool | undefined {
    return this.toolIndex.get(name)?.tool;
  }

  /** Reads a resource of one of the session's servers (a tool's view), within the server's timeout_ms. */
  async readResource(server: string, uri: string, signal: AbortSignal) {
    const client = this.client(server);
    const timeoutMs = client.config.timeoutMs;
    return this.use(async () =>
      (await client.sdk({ timeoutMs, signal })).readResource({ uri }, { signal, timeout: timeoutMs }),
    );
  }

  /** Whether a call of this tool waits for the user's approval first. */
  needsApproval(name: string): boolean {
    return this.toolIndex.get(name)?.tool.needs_approval === true;
  }

  /** Calls a tool; every failure becomes an error result the model can observe. */
  async call(name: string, args: Record<string, unknown>, options: CallOptions): Promise<ToolResult> {
    this.tools();
    const entry = this.toolIndex.get(name);
    if (!entry) {
      this.metrics.toolCall('(unknown)', '(unknown)', 'error', 0);
      return { content: `Error: unknown tool "${name}"`, is_error: true };
    }
    return this.callOn(entry.client, entry.tool.tool, args, options);
  }

  /**
   * A tool of `server` that the server's views may call (its MCP Apps visibility includes "app"),
   * within what the config allows; undefined for any other name.
   */
  viewTool(server: string, name: string): Pick<McpTool, 'server' | 'tool' | 'needs_approval'> | undefined {
    const client = this.clients.get(server);
    const tool = client && visibleTools(client.config, client.tools).find((candidate) => candidate.name === name);
    if (!client || !tool || !forViews(tool)) {
      return undefined;
    }
    return { server, tool: name, needs_approval: needsApproval(client.config, tool) };
  }

  /** Calls a tool `viewTool` found, for a view: the server's own result is kept (`raw`). */
  callForView(server: string, name: string, args: Record<string, unknown>, options: CallOptions) {
    return this.callOn(this.client(server), name, args, { ...options, raw: true });
  }

  private async callOn(client: SupervisedClient, tool: string, args: Record<string, unknown>, options: CallOptions) {
    const started = performance.now();
    const result = await this.use(() => client.call(tool, args, options, this.host));
    const outcome = options.signal.aborted ? 'cancelled' : result.is_error ? 'error' : 'ok';
    this.metrics.toolCall(client.name, tool, outcome, (performance.now() - started) / 1000);
    return result;
  }

  /**
   * Closes the session's own server processes and keeps the session usable: its next turn starts
   * them again. ${SESSION_DIR} stays, so servers that keep their state there find it again.
   */
  async suspend(): Promise<void> {
    const own = this.ownClients();
    for (const client of own) {
      this.unsubscribes.get(client.name)?.();
      this.unsubscribes.delete(client.name);
      this.clients.delete(client.name);
    }
    this.stale = true;
    await Promise.all(own.map((client) => client.close()));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribes.forEach((unsubscribe) => unsubscribe());
    this.unsubscribes.clear();
    const own = this.ownClients();
    this.clients.clear();
    this.toolIndex.clear();
    await Promise.all(own.map((client) => client.close()));
    await rm(this.places.sessionDir, { recursive: true, force: true });
  }

  private ownClients(): SupervisedClient[] {
    return [...this.clients.values()].filter((client) => client.config.scope === 'session');
  }

  private clientOf(server: McpServerConfig): SupervisedClient {
    if (this.closed) {
      // The session ended: a read racing its end starts no process, and finds no session.
      throw sessionNotFound(this.sessionId);
    }
    let client = this.clients.get(server.name);
    if (!client) {
      client = this.source(expandForSession(server, this.places), this.host);
      this.clients.set(server.name, client);
      this.stale = true;
      this.unsubscribes.set(
        server.name,
        client.onStatus((change) => {
          this.stale = true;
          this.forward(change);
        }),
      );
    }
    return client;
  }

  /** Restarts and their outcome reach the session's clients; first starts show as the session's STARTING. */
  private forward(change: ServerStatusChange): void {
    if (change.attempt !== undefined || change.state === 'down') {
      this.host.serverStatus(change);
    }
  }
}
