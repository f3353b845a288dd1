import type { ElicitationAnswer } from '../../contract/answers';
import type { ApprovalAnswer } from '../../contract/answers';
import type { SessionEndReason } from '../../contract/events';

/** What one node asks of the node that holds a session. */
export type SessionSignal =
  /** Messages wait in the session's queue. */
  | { kind: 'run'; session_id: string }
  | { kind: 'cancel'; session_id: string; turn_id: string }
  /** Request: end the session (with `idle_before`, only if still idle); the reply is whether this call ended it. */
  | { kind: 'end'; session_id: string; reason: SessionEndReason; idle_before?: number }
  /** Request: answer a pending elicitation; the reply is an AppException body when refused. */
  | { kind: 'elicitation'; session_id: string; elicitation_id: string; answer: ElicitationAnswer }
  /** Request: answer a pending tool approval; the reply is an AppException body when refused. */
  | { kind: 'approval'; session_id: string; approval_id: string; answer: ApprovalAnswer }
  /** Request: a tool call from one of the session's MCP Apps views; the reply is the MCP CallToolResult. */
  | ViewCallSignal
  /** Request: a read of a server's resources or prompts through the session's client; the reply is the MCP result. */
  | { kind: 'catalog'; session_id: string; request: CatalogRequest };

/** A read of an MCP server's catalog (REST), answered with the server's own result. */
export type CatalogRequest =
  | { op: 'resources/list' | 'resources/templates/list' | 'prompts/list'; server: string; cursor?: string }
  | { op: 'resources/read'; server: string; uri: string }
  | { op: 'prompts/get'; server: string; name: string; arguments: Record<string, string> };

export interface ViewCallSignal {
  kind: 'view_call';
  session_id: string;
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
}

export type SignalHandler = (signal: SessionSignal) => Promise<unknown>;

/** What a node reports of itself, for cluster totals. */
export interface NodeStats {
  node: string;
  /** Epoch ms of the report. */
  at: number;
  socketio: number;
  sse: number;
  sessions_held: number;
  turns_running: number;
}

/** Raised by request() when the other node does not answer in time (it may have died). */
export class NodeUnreachable extends Error {
  constructor(node: string) {
    super(`Node ${node} did not answer`);
  }
}

/**
 * Signals between nodes, and what they report of themselves. The memory bus has one node, this one;
 * the Redis bus uses a pub/sub channel per node.
 */
export abstract class SessionBus {
  /**
   * Hands this node's signals to `handler`. `subscribed` is called each time this node's channel is
   * (re)subscribed: signals sent while it was not are lost, so the caller looks at its work again.
   */
  abstract listen(handler: SignalHandler, subscribed?: () => void): Promise<void>;
  abstract send(node: string, signal: SessionSignal): Promise<void>;
  /** The handler's result on that node; its AppException is rethrown here; NodeUnreachable on timeout. */
  abstract request<T>(node: string, signal: SessionSignal, timeoutMs: number): Promise<T>;
  abstract report(stats: NodeStats): Promise<void>;
  /** The latest report of every live node (this one included). */
  abstract nodes(): Promise<NodeStats[]>;
}
