import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { McpConnection } from './mcp-connection';
import type { McpStartOptions } from './mcp-connection';
import type { McpServerConfig } from './mcp-config';
import type { McpTool, ToolResult } from './mcp-tool';

export interface StartFailure {
  server: string;
  message: string;
}

/** What a session's clients tell the server registry, for status and health. */
export interface McpStatusSink {
  connected(server: string, connection: McpConnection): void;
  failed(server: string, message: string): void;
}

const SESSIONS_ROOT = join(tmpdir(), `mcp-host-${process.pid}`);

function expand(value: string, sessionId: string, sessionDir: string): string {
  return value.replaceAll('${SESSION_ID}', sessionId).replaceAll('${SESSION_DIR}', sessionDir);
}

/** ${SESSION_ID} and ${SESSION_DIR} filled in, so stateful servers keep each session's state apart. */
function expandForSession(config: McpServerConfig, sessionId: string, sessionDir: string): McpServerConfig {
  if (config.transport === 'http') {
    return config;
  }
  const fill = (value: string) => expand(value, sessionId, sessionDir);
  return {
    ...config,
    args: config.args.map(fill),
    env: Object.fromEntries(Object.entries(config.env).map(([key, value]) => [key, fill(value)])),
    cwd: config.cwd === undefined ? undefined : fill(config.cwd),
  };
}

/**
 * One session's MCP clients. Started lazily (on the first turn), reconnecting any server that died
 * or failed before the next turn, and all closed when the session ends.
 */
export class McpSessionClients {
  private readonly connections = new Map<string, McpConnection>();
  private readonly sessionDir: string;
  private toolIndex = new Map<string, { connection: McpConnection; tool: McpTool }>();
  private closed = false;

  constructor(
    readonly sessionId: string,
    private readonly servers: readonly McpServerConfig[],
    private readonly status: McpStatusSink,
  ) {
    this.sessionDir = join(SESSIONS_ROOT, sessionId);
  }

  /** True when every configured server has a live connection. */
  get ready(): boolean {
    return this.servers.every((server) => this.connections.get(server.name)?.alive === true);
  }

  /** Connects every server not connected yet, in parallel; a failure does not stop the others. */
  async ensureStarted(start: McpStartOptions): Promise<StartFailure[]> {
    const missing = this.servers.filter((server) => this.connections.get(server.name)?.alive !== true);
    if (missing.length === 0) {
      return [];
    }
    if (missing.some((server) => server.transport === 'stdio' && JSON.stringify(server).includes('${SESSION_DIR}'))) {
      await mkdir(this.sessionDir, { recursive: true });
    }
    const outcomes = await Promise.all(missing.map((server) => this.connect(server, start)));
    this.indexTools();
    return outcomes.filter((outcome): outcome is StartFailure => outcome !== undefined);
  }

  private async connect(server: McpServerConfig, start: McpStartOptions): Promise<StartFailure | undefined> {
    this.connections.delete(server.name);
    try {
      const connection = await McpConnection.open(
        expandForSession(server, this.sessionId, this.sessionDir),
        `session ${this.sessionId}`,
        start,
      );
      if (this.closed) {
        // The session ended while this server was starting.
        await connection.close();
        return undefined;
      }
      this.connections.set(server.name, connection);
      this.status.connected(server.name, connection);
      return undefined;
    } catch (error) {
      const message = `MCP server "${server.name}" failed to start: ${(error as Error).message}`;
      // A start cut short by a cancelled turn says nothing about the server's health.
      if (!start.signal.aborted) {
        this.status.failed(server.name, message);
      }
      return { server: server.name, message };
    }
  }

  /** Model-facing names: the MCP name, or "server__tool" where two servers share a name. */
  private indexTools(): void {
    const all = [...this.connections.values()].flatMap((connection) =>
      connection.tools.map((tool) => ({ connection, tool })),
    );
    const counts = new Map<string, number>();
    for (const { tool } of all) {
      counts.set(tool.name, (counts.get(tool.name) ?? 0) + 1);
    }
    this.toolIndex = new Map(
      all.map(({ connection, tool }) => {
        const raw = counts.get(tool.name) === 1 ? tool.name : `${connection.server}__${tool.name}`;
        const name = raw.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
        const entry: McpTool = {
          name,
          server: connection.server,
          tool: tool.name,
          description: tool.description ?? '',
          input_schema: tool.inputSchema as Record<string, unknown>,
        };
        return [name, { connection, tool: entry }];
      }),
    );
  }

  tools(): McpTool[] {
    return [...this.toolIndex.values()].map((entry) => entry.tool);
  }

  /** Calls a tool; every failure becomes an error result the model can observe. */
  async call(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ToolResult> {
    const entry = this.toolIndex.get(name);
    if (!entry) {
      return { content: `Error: unknown tool "${name}"`, is_error: true };
    }
    if (!entry.connection.alive) {
      return { content: `Error: MCP server "${entry.tool.server}" is not running`, is_error: true };
    }
    try {
      return await entry.connection.call(entry.tool.tool, args, signal);
    } catch (error) {
      return { content: `Error: ${(error as Error).message}`, is_error: true };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const connections = [...this.connections.values()];
    this.connections.clear();
    this.toolIndex.clear();
    await Promise.all(connections.map((connection) => connection.close()));
    await rm(this.sessionDir, { recursive: true, force: true });
  }
}
