import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/client';

import type { McpClientHost } from './mcp-client-host';

/**
 * Where one client's server requests (sampling, elicitation) go: a session-scoped server asks its
 * session; a shared one, the one session with a call in flight. Counts the calls in flight per session.
 */
export class ServerRequestRouting {
  private readonly callers = new Map<McpClientHost, number>();

  constructor(
    private readonly server: string,
    private readonly owner?: McpClientHost,
  ) {}

  /** Runs a call of `caller`'s, which the server's requests meanwhile go back to. */
  async during<T>(caller: McpClientHost, call: () => Promise<T>): Promise<T> {
    this.callers.set(caller, (this.callers.get(caller) ?? 0) + 1);
    try {
      return await call();
    } finally {
      const count = (this.callers.get(caller) ?? 1) - 1;
      if (count === 0) {
        this.callers.delete(caller);
      } else {
        this.callers.set(caller, count);
      }
    }
  }

  /** The session a request goes to; an MCP error the server sees when it cannot be told. */
  hostFor(kind: string): McpClientHost {
    const calling = [...this.callers.keys()];
    if (calling.length === 1) {
      return calling[0];
    }
    if (calling.length === 0 && this.owner) {
      return this.owner;
    }
    throw new ProtocolError(
      ProtocolErrorCode.InvalidRequest,
      `The ${kind} request of shared MCP server "${this.server}" cannot be routed: ${calling.length} sessions are calling it`,
    );
  }
}
