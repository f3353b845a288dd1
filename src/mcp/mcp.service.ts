import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';

import { McpSessionClients } from './mcp-session-clients';
import type { McpStatusSink } from './mcp-session-clients';
import type { McpConnection } from './mcp-connection';
import type { LoadedMcpConfig } from './mcp-config';
import type { ToolInfo } from './mcp-tool';

export const MCP_CONFIG = Symbol('MCP_CONFIG');

export type ServerState = 'idle' | 'ready' | 'error';

export interface ServerStatus {
  name: string;
  transport: 'stdio' | 'http';
  /** idle: no session has started it yet; ready: the last start worked; error: it failed. */
  status: ServerState;
  /** Live connections across sessions. */
  connections: number;
  tools: ToolInfo[];
  last_error?: string;
}

interface ServerEntry {
  state: ServerState;
  tools: ToolInfo[];
  lastError?: string;
  live: Set<McpConnection>;
}

/** Hands each session its own MCP clients and keeps what is known about every configured server. */
@Injectable()
export class McpService implements McpStatusSink, OnApplicationShutdown {
  private readonly logger = new Logger(McpService.name);
  private readonly entries: Map<string, ServerEntry>;
  private readonly sessions = new Set<McpSessionClients>();

  constructor(@Inject(MCP_CONFIG) private readonly config: LoadedMcpConfig) {
    this.entries = new Map(
      config.servers.map((server) => [server.name, { state: 'idle', tools: [], live: new Set() }]),
    );
    this.logger.log(
      `MCP servers from ${config.source}: ${config.servers.map((server) => server.name).join(', ') || 'none'}`,
    );
  }

  forSession(sessionId: string): McpSessionClients {
    const clients = new McpSessionClients(sessionId, this.config.servers, this);
    this.sessions.add(clients);
    return clients;
  }

  async release(clients: McpSessionClients): Promise<void> {
    this.sessions.delete(clients);
    await clients.close();
  }

  connected(server: string, connection: McpConnection): void {
    const entry = this.entryOf(server);
    entry.state = 'ready';
    entry.lastError = undefined;
    entry.tools = connection.tools.map((tool) => ({ name: tool.name, description: tool.description ?? '' }));
    entry.live.add(connection);
  }

  failed(server: string, message: string): void {
    const entry = this.entryOf(server);
    entry.state = 'error';
    entry.lastError = message;
    this.logger.warn(message);
  }

  statuses(): ServerStatus[] {
    return this.config.servers.map((server) => {
      const entry = this.entryOf(server.name);
      for (const connection of entry.live) {
        if (!connection.alive) {
          entry.live.delete(connection);
        }
      }
      return {
        name: server.name,
        transport: server.transport,
        status: entry.state,
        connections: entry.live.size,
        tools: entry.tools,
        ...(entry.lastError ? { last_error: entry.lastError } : {}),
      };
    });
  }

  /** Safety net: whatever sessions did not close, no MCP process outlives the app. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.sessions].map((clients) => this.release(clients)));
  }

  private entryOf(server: string): ServerEntry {
    const entry = this.entries.get(server);
    if (!entry) {
      throw new Error(`Unknown MCP server "${server}"`);
    }
    return entry;
  }
}
