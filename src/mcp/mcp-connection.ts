import { Logger } from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

import { settleWithin } from '../common/settle-within';
import { toToolResult } from './mcp-tool';
import type { ToolResult } from './mcp-tool';
import type { McpServerConfig } from './mcp-config';

const CLIENT_INFO = { name: 'mcp-host-server', version: '0.1.0' };
const DEFAULT_TOOL_TIMEOUT_MS = 60_000;
// The SDK's stdio close: stdin end, 2 s, SIGTERM, 2 s, SIGKILL.
const CLOSE_GRACE_MS = 5000;

export interface McpStartOptions {
  timeoutMs: number;
  signal: AbortSignal;
}

/** One live client to one MCP server: a child process over stdio, or a remote one over HTTP. */
export class McpConnection {
  private readonly logger: Logger;
  private closed = false;

  private constructor(
    readonly server: string,
    private readonly client: Client,
    readonly tools: Tool[],
  ) {
    this.logger = new Logger(`McpConnection:${server}`);
    client.onclose = () => {
      this.closed = true;
    };
  }

  /**
   * Spawns or dials the server, initializes it and reads its tool list, within the start options'
   * timeout; aborting the signal (a cancelled turn) stops the start and closes what was opened.
   */
  static async open(config: McpServerConfig, label: string, start: McpStartOptions): Promise<McpConnection> {
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    const transport = McpConnection.transportFor(config, label);
    const options = { timeout: start.timeoutMs, maxTotalTimeout: start.timeoutMs, signal: start.signal };
    // Fires once the transport is really gone (for stdio: the process has exited).
    const gone = new Promise<void>((resolve) => {
      client.onclose = () => resolve();
    });
    try {
      await client.connect(transport, options);
      const tools: Tool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : undefined, options);
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      return new McpConnection(config.name, client, tools);
    } catch (error) {
      // A failed connect starts closing by itself without waiting; wait here, so that a server
      // which failed to start has exited by the time the failure is reported.
      await client.close().catch(() => undefined);
      await settleWithin([gone], CLOSE_GRACE_MS);
      throw error;
    }
  }

  private static transportFor(config: McpServerConfig, label: string): Transport {
    if (config.transport === 'http') {
      return new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers: config.headers } });
    }
    const transport = new StdioClientTransport({
      command: config.command,
      args: config.args,
      // The SDK adds only safe variables (PATH, HOME, ...): secrets of this server do not leak.
      env: config.env,
      cwd: config.cwd,
      stderr: 'pipe',
    });
    const stderrLogger = new Logger(`mcp:${config.name}`);
    const stderr = transport.stderr;
    if (stderr) {
      // Drained line by line: an unread pipe would fill and block the server.
      createInterface({ input: stderr as Readable }).on('line', (line) => stderrLogger.debug(`[${label}] ${line}`));
    }
    return transport;
  }

  get alive(): boolean {
    return !this.closed;
  }

  async call(tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ToolResult> {
    const result = (await this.client.callTool({ name: tool, arguments: args }, undefined, {
      signal,
      timeout: DEFAULT_TOOL_TIMEOUT_MS,
    })) as CallToolResult;
    return toToolResult(result);
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    try {
      await this.client.close();
    } catch (error) {
      this.logger.warn(`Closing failed: ${(error as Error).message}`);
    }
  }
}
