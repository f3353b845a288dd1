import { Logger } from '@nestjs/common';
import {
  ProtocolError,
  ProtocolErrorCode,
  SdkError,
  SdkErrorCode,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import type {
  CallToolResult,
  Client,
  CreateMessageRequest,
  CreateMessageResult,
  ElicitRequestFormParams,
  ElicitResult,
  OAuthClientProvider,
  Progress,
  Root,
  Tool,
  Transport,
} from '@modelcontextprotocol/client';

import { settleWithin } from '../../common/settle-within';
import type { McpServerConfig } from '../config/mcp-config';
import { toolUi } from '../extensions/mcp-apps';
import { callAsTask, runsAsTask } from '../extensions/mcp-task-call';
import { createdTask, followTask } from '../extensions/mcp-task-extension';
import type { InputRequest } from '../extensions/mcp-task-extension';
import { ListChanges } from './mcp-list-changes';
import { SCHEMA_VALIDATOR } from './mcp-schema-validator';
import { toToolResult } from './mcp-tool';
import type { ToolResult } from './mcp-tool';
import type { SandboxWatch } from './sandbox-watch';

// The SDK's stdio close: stdin end, 2 s, SIGTERM, 2 s, SIGKILL.
export const CLOSE_GRACE_MS = 5000;

/** What a server may ask of the host, and what the host hears back; reassigned when a pooled connection is handed over. */
export interface ConnectionEvents {
  sample(params: CreateMessageRequest['params'], signal: AbortSignal): Promise<CreateMessageResult>;
  elicit(params: ElicitRequestFormParams, signal: AbortSignal): Promise<ElicitResult>;
  toolsChanged(): void;
  /** The transport closed without close() being called: a crash, an exit, a dropped connection. */
  lost(reason: string): void;
}

export interface CallOptions {
  signal: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Keep the server's result as it came (a view's call), beside what the model would read. */
  raw?: boolean;
}

/** A cacheable result's freshness hint (`ttlMs`, 2026-07-28), when it has a positive one. */
export function cacheTtl(result: object): number | undefined {
  const ttl = (result as { ttlMs?: unknown }).ttlMs;
  return typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0 ? ttl : undefined;
}

/** Until a connection is handed to a session, server requests are refused. */
export const DETACHED: ConnectionEvents = {
  sample: () =>
    Promise.reject(new ProtocolError(ProtocolErrorCode.InvalidRequest, 'No session is using this connection')),
  elicit: () =>
    Promise.reject(new ProtocolError(ProtocolErrorCode.InvalidRequest, 'No session is using this connection')),
  toolsChanged: () => undefined,
  lost: () => undefined,
};

/**
 * One live client to one MCP server, of either protocol era: a child process over stdio, or a
 * remote one over HTTP or SSE. Opened by openConnection (mcp-connect.ts).
 */
export class McpConnection {
  private readonly logger: Logger;
  /** Set when the host closes it (or a start failed): a close that follows is not a loss. */
  closing = false;
  private gone = false;
  private readonly listChanges: ListChanges;
  events: ConnectionEvents = DETACHED;
  tools: Tool[] = [];
  /** How long the server said its tool list stays fresh (2026-07-28 `ttlMs`), when it said so. */
  toolsTtlMs?: number;
  /** Set for a server in a sandbox, which can say what limit ended it. */
  sandbox?: SandboxWatch;

  constructor(
    readonly config: McpServerConfig,
    private readonly client: Client,
    private readonly transport: Transport,
    /** Settles once the transport is gone: for stdio, once the process has exited. */
    readonly exited: Promise<void>,
    /** What roots/list answers; a pre-started client gets its session's when a session takes it. */
    private roots: Root[],
    /** The OAuth client of a remote server that demands authorization. */
    private readonly auth?: OAuthClientProvider,
  ) {
    this.logger = new Logger(`McpConnection:${config.name}`);
    this.listChanges = new ListChanges(
      client,
      this.logger,
      () => this.alive,
      (error, tools) => this.toolListChanged(error, tools),
    );
    this.handleServerRequests();
  }

  /**
   * After connect: reads the tool list (every page, up to the client's listMaxPages; the SDK
   * caches it as long as the server's cache hint says), compiles its output schemas, and, on the
   * 2026-07-28 revision, keeps a subscriptions/listen stream open for its changes.
   */
  async ready(options: { timeout: number; maxTotalTimeout: number; signal: AbortSignal }): Promise<void> {
    const listed = await this.client.listTools(undefined, options);
    this.tools = listed.tools;
    this.toolsTtlMs = cacheTtl(listed);
    SCHEMA_VALIDATOR.precompile(this.tools);
    await this.listChanges.start(options);
  }

  /** Answers roots/list with these from now on, and tells the server when they changed. */
  useRoots(roots: Root[]): void {
    if (JSON.stringify(roots) === JSON.stringify(this.roots)) {
      return;
    }
    this.roots = roots;
    this.client
      .sendRootsListChanged()
      .catch((error: Error) => this.logger.debug(`roots/list_changed: ${error.message}`));
  }

  private handleServerRequests(): void {
    // On the 2026-07-28 revision the same handlers answer the input_required rounds of a call.
    this.client.setRequestHandler('sampling/createMessage', (request, context) =>
      this.events.sample(request.params, context.mcpReq.signal),
    );
    this.client.setRequestHandler('elicitation/create', (request, context) => {
      // Only form mode is declared, and the SDK refuses the others before they get here.
      return this.events.elicit(request.params as ElicitRequestFormParams, context.mcpReq.signal);
    });
    this.client.setRequestHandler('roots/list', () => ({ roots: this.roots }));
    this.client.setNotificationHandler('notifications/message', ({ params }) => {
      const data = typeof params.data === 'string' ? params.data : JSON.stringify(params.data);
      this.logger.debug(`${params.level}${params.logger ? ` ${params.logger}` : ''}: ${data}`);
    });
  }

  /** A task's input request, answered as the same request during a call would be. */
  private answerInput(input: InputRequest, signal: AbortSignal): Promise<unknown> {
    switch (input.method) {
      case 'elicitation/create':
        return this.events.elicit(input.params as ElicitRequestFormParams, signal);
      case 'sampling/createMessage':
        return this.events.sample(input.params as CreateMessageRequest['params'], signal);
      case 'roots/list':
        return Promise.resolve({ roots: this.roots });
      default:
        return Promise.reject(new Error(`A task asked for ${input.method}, which this host does not answer`));
    }
  }

  /** The SDK re-read the tool list after a change (notified, or on a listen stream). */
  toolListChanged(error: Error | null, tools: Tool[] | null): void {
    if (!this.alive) {
      return;
    }
    if (error || !tools) {
      this.logger.warn(`Re-reading the tool list after tools/list_changed failed: ${error?.message ?? 'no list'}`);
      return;
    }
    this.tools = tools;
    SCHEMA_VALIDATOR.precompile(tools);
    this.logger.debug(`Tool list changed: ${tools.map((tool) => tool.name).join(', ')}`);
    this.events.toolsChanged();
  }

  /** The transport closed: a loss, unless the host closed it. */
  closedBy(): void {
    this.gone = true;
    if (!this.closing) {
      const limit = this.sandbox?.endedBy();
      const reason = limit ? `its sandbox's ${limit} ended it` : 'the server process exited';
      this.events.lost(this.config.transport === 'stdio' ? reason : 'the connection closed');
    }
  }

  /** The revision the server speaks, as negotiated at connect. */
  get protocolVersion(): string | undefined {
    return this.client.getNegotiatedProtocolVersion();
  }

  get alive(): boolean {
    return !this.gone && !this.closing;
  }

  /** The child's process id, for stdio servers. */
  get pid(): number | undefined {
    return (this.transport as { pid?: number | null }).pid ?? undefined;
  }

  /**
   * Calls a tool under the server's timeout_ms, which each progress notification restarts, up to
   * max_timeout_ms. Aborting the signal, or a timeout, cancels the call. A tool the server runs as
   * a task is called as one (mcp-task-call.ts), its status reported as progress.
   */
  async call(tool: string, args: Record<string, unknown>, options: CallOptions): Promise<ToolResult> {
    const { timeoutMs, maxTimeoutMs } = this.config;
    const definition = this.tools.find((candidate) => candidate.name === tool);
    const send = async () => {
      if (runsAsTask(this.client, definition)) {
        return callAsTask(this.client, tool, args, { ...options, timeoutMs, maxTimeoutMs });
      }
      const result = (await this.client.callTool(
        { name: tool, arguments: args },
        {
          signal: options.signal,
          timeout: timeoutMs,
          maxTotalTimeout: maxTimeoutMs,
          resetTimeoutOnProgress: true,
          onprogress: options.onProgress,
        },
      )) as CallToolResult;
      // A 2026-07-28 server may make a task of any call (the tasks extension, which the host declares).
      const task = createdTask(result);
      return task
        ? followTask(this.client, task, { ...options, timeoutMs, maxTimeoutMs }, (input, signal) =>
            this.answerInput(input, signal),
          )
        : result;
    };
    // A tool with MCP Apps metadata keeps the server's own result, for its view.
    const keepRaw =
      options.raw === true || (definition !== undefined && toolUi(definition)?.resource_uri !== undefined);
    const tokenBefore = (await this.auth?.tokens())?.access_token;
    const started = performance.now();
    try {
      return toToolResult(await send(), keepRaw);
    } catch (error) {
      if (error instanceof UnauthorizedError && this.auth) {
        // The server asked for more (step-up): once, if a new token came while it asked.
        if ((await this.auth.tokens())?.access_token === tokenBefore) {
          throw new Error(
            `MCP server "${this.config.name}" needs authorization for "${tool}": connect it, then retry`,
            {
              cause: error,
            },
          );
        }
        return toToolResult(await send(), keepRaw);
      }
      if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) {
        // Whichever timer fired, a call that ran for max_timeout_ms hit that bound.
        const total =
          (error.data as { maxTotalTimeout?: number } | undefined)?.maxTotalTimeout !== undefined ||
          performance.now() - started >= maxTimeoutMs;
        const limit = total ? `max_timeout_ms ${maxTimeoutMs}` : `timeout_ms ${timeoutMs}`;
        throw new Error(
          `MCP server "${this.config.name}" did not finish "${tool}" within ${limit}; the call was cancelled`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /**
   * Resolves when the server answers within the timeout: a ping, or on the 2026-07-28 revision
   * (which has no ping) a server/discover.
   */
  async ping(timeoutMs: number): Promise<void> {
    const options = { timeout: timeoutMs, maxTotalTimeout: timeoutMs };
    await (this.client.getProtocolEra() === 'modern' ? this.client.discover(options) : this.client.ping(options));
  }

  get sdk(): Client {
    return this.client;
  }

  /** stdin closed, then SIGTERM, then SIGKILL (the SDK's sequence); resolves once the process is gone. */
  async close(): Promise<void> {
    if (this.closing) {
      await settleWithin([this.exited], CLOSE_GRACE_MS);
      return;
    }
    this.closing = true;
    try {
      await this.listChanges.stop();
      await this.client.close();
    } catch (error) {
      this.logger.warn(`Closing failed: ${(error as Error).message}`);
    }
    await settleWithin([this.exited], CLOSE_GRACE_MS);
  }
}
