import type { Tool } from '@modelcontextprotocol/client';

import type { Connector } from '../../src/mcp/client/mcp-connect';
import { DETACHED } from '../../src/mcp/client/mcp-connection';
import type { CallOptions, ConnectionEvents, McpConnection } from '../../src/mcp/client/mcp-connection';
import type { ToolResult } from '../../src/mcp/client/mcp-tool';
import type { McpServerConfig, StdioServerConfig } from '../../src/mcp/config/mcp-config';
import { DEFAULT_POLICY } from '../../src/mcp/config/mcp-config-policy';

/** A stdio server config for unit specs: nothing is ever spawned from it. */
export function fakeServer(name: string, extra: Partial<StdioServerConfig> = {}): StdioServerConfig {
  return { name, transport: 'stdio', command: 'fake-mcp-server', args: [], env: {}, sandbox: { enabled: false }, ...DEFAULT_POLICY, ...extra };
}

/** A remote server config for unit specs: nothing ever connects to it. */
export function fakeRemote(name: string): McpServerConfig {
  return { name, transport: 'http', url: 'http://127.0.0.1:9/mcp', headers: {}, ...DEFAULT_POLICY };
}

export const tool = (name: string, extra: Partial<Tool> = {}): Tool => ({
  name,
  inputSchema: { type: 'object' },
  ...extra,
});

/**
 * An MCP connection without a server: its tools and answers are what the test says, its loss is
 * `crash()`, and it records what it was asked.
 */
export class FakeConnection {
  events: ConnectionEvents = DETACHED;
  tools: Tool[];
  toolsTtlMs?: number;
  readonly protocolVersion = '2025-11-25';
  readonly calls: Array<{ tool: string; args: Record<string, unknown> }> = [];
  roots?: unknown[];
  closed = false;
  /** What the next ping does: answer, or fail. */
  pingFails = false;
  /** What a call answers; by default an echo of its arguments. */
  answer: (tool: string, args: Record<string, unknown>, options: CallOptions) => Promise<ToolResult> = (name, args) =>
    Promise.resolve({ content: `${name}: ${JSON.stringify(args)}`, is_error: false });
  /** What the server lists besides its tools, for the catalog. */
  prompts: Array<{ name: string; description?: string }> = [];
  readonly exited: Promise<void>;
  private exit!: () => void;
  private gone = false;

  constructor(
    readonly config: McpServerConfig,
    tools: Tool[] = [],
  ) {
    this.tools = tools;
    this.exited = new Promise((resolve) => (this.exit = resolve));
  }

  get alive(): boolean {
    return !this.gone && !this.closed;
  }

  /** The few SDK client calls the catalog makes. */
  get sdk() {
    return {
      getServerCapabilities: () => ({ tools: {}, ...(this.prompts.length > 0 ? { prompts: {} } : {}) }),
      listPrompts: () => Promise.resolve({ prompts: this.prompts }),
      listResourceTemplates: () => Promise.resolve({ resourceTemplates: [] }),
    };
  }

  async call(tool: string, args: Record<string, unknown>, options: CallOptions): Promise<ToolResult> {
    this.calls.push({ tool, args });
    return this.answer(tool, args, options);
  }

  ping(): Promise<void> {
    return this.pingFails ? Promise.reject(new Error('no pong')) : Promise.resolve();
  }

  useRoots(roots: unknown[]): void {
    this.roots = roots;
  }

  /** The server went away on its own: the owner hears of the loss. */
  crash(reason = 'the server process exited'): void {
    this.gone = true;
    this.exit();
    this.events.lost(reason);
  }

  close(): Promise<void> {
    this.closed = true;
    this.exit();
    return Promise.resolve();
  }
}

/**
 * A Connector that hands out FakeConnections (each a fresh one), or fails while `failing` says so;
 * `opened` lists every connection it made, in order.
 */
export class FakeConnector {
  readonly opened: FakeConnection[] = [];
  readonly labels: string[] = [];
  /** Set by a test: each start fails with this message... */
  failing?: string;
  /** ...or only the starts of these servers. */
  readonly failures = new Map<string, string>();
  /** Set by a test: starts wait until it is resolved. */
  gate?: Promise<void>;
  /** The tools each server lists: by server name, else `tools`. */
  tools: Tool[] = [tool('echo')];
  readonly toolsOf = new Map<string, Tool[]>();

  readonly connect: Connector = async (config, label, roots, start) => {
    this.labels.push(label);
    // Like the real one, a start stops when its signal aborts (a deadline, a close).
    await Promise.race([
      this.gate,
      new Promise<never>((_, reject) =>
        start.signal.addEventListener('abort', () => reject(new Error('the start was aborted')), { once: true }),
      ),
    ]);
    const failure = this.failing ?? this.failures.get(config.name);
    if (failure) {
      throw new Error(failure);
    }
    const connection = new FakeConnection(config, this.toolsOf.get(config.name) ?? this.tools);
    connection.useRoots(roots);
    this.opened.push(connection);
    return connection as unknown as McpConnection;
  };

  /** The connections still open, of one server or of all. */
  live(server?: string): FakeConnection[] {
    return this.opened.filter((connection) => connection.alive && (!server || connection.config.name === server));
  }
}
