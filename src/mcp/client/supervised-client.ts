import { Logger } from '@nestjs/common';
import { SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import type { OAuthClientProvider } from '@modelcontextprotocol/client';
import type { Root, Tool } from '@modelcontextprotocol/client';
import { setTimeout as delay } from 'node:timers/promises';

import { AppException } from '../../common/errors';
import type { PrewarmPool } from '../capacity/mcp-prewarm-pool';
import type { ProcessBudget } from '../capacity/mcp-process-budget';
import type { McpServerConfig } from '../config/mcp-config';
import type { ClientState, McpClientHost, ServerStatusChange } from './mcp-client-host';
import { withinStart } from './mcp-connect';
import type { Connector, McpStartOptions } from './mcp-connect';
import type { CallOptions, ConnectionEvents, McpConnection } from './mcp-connection';
import type { EraVerdicts } from './mcp-era';
import type { ToolResult } from './mcp-tool';
import { ServerRequestRouting } from './server-request-routing';

const MAX_BACKOFF_MS = 30_000;

export interface SupervisorOptions {
  /** Who the client serves, for logs and errors: "session <id>" or "all sessions". */
  label: string;
  roots: Root[];
  budget: ProcessBudget;
  pool?: PrewarmPool;
  startTimeoutMs: number;
  maxRestarts: number;
  restartBaseMs: number;
  /** The OAuth client of a remote server, for the principal of the session it serves. */
  auth?: OAuthClientProvider;
  verdicts: EraVerdicts;
  connect: Connector;
}

type StatusListener = (change: ServerStatusChange) => void;

/**
 * One logical client of one MCP server, for one session or shared by all: it starts the server,
 * restarts it with exponential backoff when it crashes or stops answering pings (re-reading its
 * tools), and marks it down with a reason after too many failed restarts.
 */
export class SupervisedClient {
  private readonly logger: Logger;
  private state: ClientState = 'idle';
  private connection?: McpConnection;
  /** The start or restart under way. */
  private work?: Promise<void>;
  private failure?: Error;
  private wake?: () => void;
  private readonly closed = new AbortController();
  private readonly listeners = new Set<StatusListener>();
  /** Where the server's sampling and elicitation requests go. */
  private readonly requests: ServerRequestRouting;

  constructor(
    readonly config: McpServerConfig,
    private readonly options: SupervisorOptions,
    owner?: McpClientHost,
  ) {
    this.logger = new Logger(`McpClient:${config.name}`);
    this.requests = new ServerRequestRouting(config.name, owner);
  }

  get name(): string {
    return this.config.name;
  }

  get status(): ClientState {
    return this.state;
  }

  get tools(): Tool[] {
    return this.connection?.tools ?? [];
  }

  get protocolVersion(): string | undefined {
    return this.connection?.protocolVersion;
  }

  get live(): boolean {
    return this.connection?.alive === true;
  }

  onStatus(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Ready now, or once the start or restart under way succeeds (a restart waiting out its backoff
   * is woken: someone needs the server). An idle, failed or down server gets one fresh attempt.
   */
  async ensureReady(start: McpStartOptions): Promise<void> {
    if (this.state === 'ready' && this.live) {
      return;
    }
    if (this.state === 'closed') {
      throw new Error(`MCP client of "${this.name}" is closed`);
    }
    this.work ??= this.startOnce().finally(() => (this.work = undefined));
    this.wake?.();
    await withinStart(this.work, start);
    if (this.state !== 'ready') {
      throw this.failure ?? new Error(`MCP server "${this.name}" is ${this.state}`);
    }
  }

  async call(tool: string, args: Record<string, unknown>, options: CallOptions, caller: McpClientHost) {
    const connection = this.connection;
    if (this.state !== 'ready' || !connection?.alive) {
      const why = this.state === 'restarting' ? 'is restarting' : `is ${this.state}`;
      return failed(`MCP server "${this.name}" ${why}${this.failure ? ` (${this.failure.message})` : ''}`);
    }
    try {
      const result = await this.requests.during(caller, () => connection.call(tool, args, options));
      return result.is_error && connection.sandbox
        ? { ...result, content: connection.sandbox.explain(result.content) }
        : result;
    } catch (error) {
      if (error instanceof SdkError && error.code === SdkErrorCode.ConnectionClosed) {
        const limit = connection.sandbox?.endedBy();
        const how = limit ? `was ended by its sandbox's ${limit}` : 'closed the connection';
        return failed(`MCP server "${this.name}" ${how} during "${tool}"; it is being restarted`);
      }
      return failed((error as Error).message);
    }
  }

  /** For REST: the SDK client, once ready. */
  async sdk(start: McpStartOptions) {
    await this.ensureReady(start);
    return this.connection!.sdk;
  }

  /** Heartbeat: a server that does not answer in time is restarted. */
  async ping(timeoutMs: number): Promise<void> {
    const connection = this.connection;
    if (this.state !== 'ready' || !connection?.alive) {
      return;
    }
    try {
      await connection.ping(timeoutMs);
    } catch (error) {
      if (connection === this.connection) {
        this.restart(`no answer to ping within ${timeoutMs} ms (${(error as Error).message})`);
      }
    }
  }

  async close(): Promise<void> {
    if (this.state === 'closed') {
      return;
    }
    this.closed.abort();
    this.wake?.();
    this.setState('closed');
    this.listeners.clear();
    await this.work?.catch(() => undefined);
    await this.connection?.close();
  }

  private async startOnce(): Promise<void> {
    this.setState('starting');
    try {
      this.attach(await this.open());
      this.failure = undefined;
      this.setState('ready');
    } catch (error) {
      if (this.closed.signal.aborted) {
        return;
      }
      this.failure = error as Error;
      // Hitting the process cap says nothing about this server's health.
      this.setState(error instanceof AppException ? 'idle' : 'error', (error as Error).message);
    }
  }

  private restart(reason: string): void {
    if (this.work || this.closed.signal.aborted) {
      return;
    }
    this.work = this.restartLoop(reason).finally(() => (this.work = undefined));
  }

  private async restartLoop(reason: string): Promise<void> {
    const old = this.connection;
    this.connection = undefined;
    this.logger.warn(`${this.options.label}: ${reason}; restarting`);
    this.setState('restarting', reason, 0);
    await old?.close();
    let lastError = reason;
    for (let attempt = 1; attempt <= this.options.maxRestarts; attempt++) {
      await this.backoff(attempt);
      if (this.closed.signal.aborted) {
        return;
      }
      try {
        this.attach(await this.open());
        this.failure = undefined;
        this.setState('ready', `restarted after: ${reason}`, attempt);
        return;
      } catch (error) {
        if (this.closed.signal.aborted) {
          return;
        }
        lastError = (error as Error).message;
        this.setState('restarting', lastError, attempt);
      }
    }
    this.failure = new Error(
      `MCP server "${this.name}" is down: ${this.options.maxRestarts} restarts failed (MCP_MAX_RESTARTS); last error: ${lastError}`,
    );
    this.setState('down', this.failure.message);
  }

  /** Waits base * 2^(attempt-1), capped; close() or a waiting turn cuts it short. */
  private async backoff(attempt: number): Promise<void> {
    const ms = Math.min(this.options.restartBaseMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
    const cut = new AbortController();
    this.wake = () => cut.abort();
    await delay(ms, undefined, { signal: AbortSignal.any([cut.signal, this.closed.signal]) }).catch(() => undefined);
    this.wake = undefined;
  }

  private async open(): Promise<McpConnection> {
    const pooled = this.options.pool?.take(this.config);
    if (pooled) {
      // Started before any session (with no roots when users are kept apart): now it serves this one.
      pooled.useRoots(this.options.roots);
      return pooled;
    }
    const slot =
      this.config.transport === 'stdio' ? await this.options.budget.acquire(this.name, this.options.label) : undefined;
    try {
      const start = {
        timeoutMs: this.options.startTimeoutMs,
        signal: this.closed.signal,
        verdicts: this.options.verdicts,
      };
      const connection = await this.options.connect(
        this.config,
        this.options.label,
        this.options.roots,
        start,
        this.options.auth,
      );
      void connection.exited.then(() => slot?.release());
      return connection;
    } catch (error) {
      slot?.release();
      throw error;
    }
  }

  private attach(connection: McpConnection): void {
    if (this.closed.signal.aborted) {
      void connection.close();
      throw new Error(`MCP client of "${this.name}" closed while it was starting`);
    }
    this.connection = connection;
    const events: ConnectionEvents = {
      sample: (params, signal) => this.requests.hostFor('sampling').sample(this.name, params, signal),
      elicit: (params, signal) => this.requests.hostFor('elicitation').elicit(this.name, params, signal),
      toolsChanged: () =>
        this.emit({ server: this.name, state: this.state, reason: 'tools changed', tools: this.toolNames() }),
      lost: (reason) => {
        if (this.connection === connection) {
          this.restart(reason);
        }
      },
    };
    connection.events = events;
  }

  private toolNames(): string[] {
    return this.tools.map((tool) => tool.name);
  }

  private setState(state: ClientState, reason?: string, attempt?: number): void {
    this.state = state;
    this.emit({ server: this.name, state, reason, attempt, tools: this.toolNames() });
  }

  private emit(change: ServerStatusChange): void {
    for (const listener of this.listeners) {
      listener(change);
    }
  }
}

function failed(message: string): ToolResult {
  return { content: `Error: ${message}`, is_error: true };
}
