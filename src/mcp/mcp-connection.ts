import { Logger } from '@nestjs/common';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode as McpErrorCode,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import type {
  CallToolResult,
  CreateMessageRequest,
  CreateMessageResult,
  ElicitRequestFormParams,
  ElicitResult,
  Progress,
  Root,
  Tool,
} from '@modelcontextprotocol/sdk/types.js';

import { settleWithin } from '../common/settle-within';
import { toToolResult } from './mcp-tool';
import type { ToolResult } from './mcp-tool';
import type { McpServerConfig } from './mcp-config';
import { refusedByServer, transportsFor } from './mcp-transports';

const CLIENT_INFO = { name: 'mcp-host-server', version: '0.2.0' };
// One for every client: the SDK would otherwise build an Ajv instance (about 80 KB) per connection.
const SCHEMA_VALIDATOR = new AjvJsonSchemaValidator();
// The SDK's stdio close: stdin end, 2 s, SIGTERM, 2 s, SIGKILL.
const CLOSE_GRACE_MS = 5000;

export interface McpStartOptions {
  timeoutMs: number;
  signal: AbortSignal;
}

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
}

/** Until a connection is handed to a session, server requests are refused. */
export const DETACHED: ConnectionEvents = {
  sample: () => Promise.reject(new McpError(McpErrorCode.InvalidRequest, 'No session is using this connection')),
  elicit: () => Promise.reject(new McpError(McpErrorCode.InvalidRequest, 'No session is using this connection')),
  toolsChanged: () => undefined,
  lost: () => undefined,
};

/** One live client to one MCP server: a child process over stdio, or a remote one over HTTP or SSE. */
export class McpConnection {
  private readonly logger: Logger;
  private closing = false;
  private gone = false;
  /** The OAuth client of a remote server that demands authorization. */
  private auth?: OAuthClientProvider;
  /** What roots/list answers; a pre-started client gets its session's when a session takes it. */
  private roots: Root[] = [];
  events: ConnectionEvents = DETACHED;
  tools: Tool[] = [];

  private constructor(
    readonly config: McpServerConfig,
    private readonly client: Client,
    private readonly transport: Transport,
    /** Settles once the transport is gone: for stdio, once the process has exited. */
    readonly exited: Promise<void>,
  ) {
    this.logger = new Logger(`McpConnection:${config.name}`);
  }

  /**
   * Spawns or dials the server, initializes it and reads its tool list, within the start options'
   * timeout; aborting the signal (a cancelled turn) stops the start and closes what was opened.
   */
  static async open(
    config: McpServerConfig,
    label: string,
    roots: Root[],
    start: McpStartOptions,
    auth?: OAuthClientProvider,
  ): Promise<McpConnection> {
    const attempts = transportsFor(config, label, auth);
    for (let index = 0; ; index++) {
      try {
        const connection = await McpConnection.openWith(config, attempts[index](), roots, start);
        connection.auth = auth;
        return connection;
      } catch (error) {
        if (error instanceof UnauthorizedError && auth) {
          return McpConnection.openAuthorized(config, label, roots, start, auth, error);
        }
        if (index + 1 >= attempts.length || !refusedByServer(error) || start.signal.aborted) {
          throw error;
        }
        new Logger(`McpConnection:${config.name}`).log(
          `Streamable HTTP refused (${(error as Error).message}); falling back to legacy SSE`,
        );
      }
    }
  }

  /**
   * The server wants a token this principal does not have: if the authorization was given while it
   * was asked for (a headless authorizer), connect again with it; otherwise the user has to connect it.
   */
  private static async openAuthorized(
    config: McpServerConfig,
    label: string,
    roots: Root[],
    start: McpStartOptions,
    auth: OAuthClientProvider,
    refusal: UnauthorizedError,
  ): Promise<McpConnection> {
    const needsAuthorization = (cause: unknown) =>
      new Error(`needs authorization: connect it (the page's Connect link, or GET /api/v3/mcp/oauth/pending)`, {
        cause,
      });
    if (!(await auth.tokens())) {
      throw needsAuthorization(refusal);
    }
    const [attempt] = transportsFor(config, label, auth);
    try {
      const connection = await McpConnection.openWith(config, attempt(), roots, start);
      connection.auth = auth;
      return connection;
    } catch (error) {
      // The token it has is refused too (revoked, or expired beyond refresh): the user connects again.
      throw error instanceof UnauthorizedError ? needsAuthorization(error) : error;
    }
  }

  private static async openWith(config: McpServerConfig, transport: Transport, roots: Root[], start: McpStartOptions) {
    const client = new Client(CLIENT_INFO, {
      capabilities: { sampling: {}, elicitation: { form: { applyDefaults: true } }, roots: { listChanged: true } },
      jsonSchemaValidator: SCHEMA_VALIDATOR,
      listChanged: { tools: { onChanged: (error, tools) => connection.toolListChanged(error, tools) } },
    });
    let closed!: () => void;
    const exited = new Promise<void>((resolve) => (closed = resolve));
    const connection = new McpConnection(config, client, transport, exited);
    client.onclose = () => {
      closed();
      connection.closedBy();
    };
    connection.roots = roots;
    connection.handleServerRequests();
    const options = { timeout: start.timeoutMs, maxTotalTimeout: start.timeoutMs, signal: start.signal };
    try {
      await client.connect(transport, options);
      connection.tools = await connection.listAllTools(options);
      return connection;
    } catch (error) {
      // A failed connect starts closing by itself without waiting; wait here, so that a server
      // which failed to start has exited by the time the failure is reported.
      connection.closing = true;
      await client.close().catch(() => undefined);
      await settleWithin([exited], CLOSE_GRACE_MS);
      if (error instanceof McpError && error.code === (McpErrorCode.RequestTimeout as number)) {
        throw new Error(`timed out after ${start.timeoutMs} ms (MCP_START_TIMEOUT_MS)`, { cause: error });
      }
      throw error;
    }
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
    this.client.setRequestHandler(CreateMessageRequestSchema, (request, extra) =>
      this.events.sample(request.params, extra.signal),
    );
    this.client.setRequestHandler(ElicitRequestSchema, (request, extra) => {
      // Only form mode is declared, and the SDK refuses the others before they get here.
      return this.events.elicit(request.params as ElicitRequestFormParams, extra.signal);
    });
    this.client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: this.roots }));
    this.client.setNotificationHandler(LoggingMessageNotificationSchema, ({ params }) => {
      const data = typeof params.data === 'string' ? params.data : JSON.stringify(params.data);
      this.logger.debug(`${params.level}${params.logger ? ` ${params.logger}` : ''}: ${data}`);
    });
  }

  private async listAllTools(options: { timeout: number; signal?: AbortSignal }): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.client.listTools(cursor ? { cursor } : undefined, options);
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  }

  private toolListChanged(error: Error | null, tools: Tool[] | null): void {
    if (!this.alive) {
      return;
    }
    if (error || !tools) {
      this.logger.warn(`Re-reading the tool list after tools/list_changed failed: ${error?.message ?? 'no list'}`);
      return;
    }
    this.tools = tools;
    this.logger.debug(`Tool list changed: ${tools.map((tool) => tool.name).join(', ')}`);
    this.events.toolsChanged();
  }

  private closedBy(): void {
    this.gone = true;
    if (!this.closing) {
      this.events.lost(this.config.transport === 'stdio' ? 'the server process exited' : 'the connection closed');
    }
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
   * max_timeout_ms. Aborting the signal, or a timeout, sends notifications/cancelled to the server.
   */
  async call(tool: string, args: Record<string, unknown>, options: CallOptions): Promise<ToolResult> {
    const { timeoutMs, maxTimeoutMs } = this.config;
    const send = async () =>
      (await this.client.callTool({ name: tool, arguments: args }, undefined, {
        signal: options.signal,
        timeout: timeoutMs,
        maxTotalTimeout: maxTimeoutMs,
        resetTimeoutOnProgress: true,
        onprogress: options.onProgress,
      })) as CallToolResult;
    const tokenBefore = (await this.auth?.tokens())?.access_token;
    try {
      return toToolResult(await send());
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
        return toToolResult(await send());
      }
      if (error instanceof McpError && error.code === (McpErrorCode.RequestTimeout as number)) {
        const limit = (error.data as { maxTotalTimeout?: number } | undefined)?.maxTotalTimeout
          ? `max_timeout_ms ${maxTimeoutMs}`
          : `timeout_ms ${timeoutMs}`;
        throw new Error(
          `MCP server "${this.config.name}" did not finish "${tool}" within ${limit}; the call was cancelled`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Resolves when the server answers a ping within the timeout. */
  async ping(timeoutMs: number): Promise<void> {
    await this.client.ping({ timeout: timeoutMs, maxTotalTimeout: timeoutMs });
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
      await this.client.close();
    } catch (error) {
      this.logger.warn(`Closing failed: ${(error as Error).message}`);
    }
    await settleWithin([this.exited], CLOSE_GRACE_MS);
  }
}
