import type {
  CreateMessageRequest,
  CreateMessageResult,
  ElicitRequestFormParams,
  ElicitResult,
} from '@modelcontextprotocol/client';

export type ClientState = 'idle' | 'starting' | 'ready' | 'restarting' | 'error' | 'down' | 'closed';

/** A server client's state changed; `attempt` is set while and after it is restarted. */
export interface ServerStatusChange {
  server: string;
  state: ClientState;
  reason?: string;
  attempt?: number;
  tools: string[];
}

/**
 * The session side of a session's MCP clients: answers what servers ask of the client (sampling,
 * elicitation) and hears about restarts. Implemented by the sessions module.
 */
export interface McpClientHost {
  readonly sessionId: string;
  /** The principal whose session it is (${USER_ID}). */
  readonly userId: string;
  /** True while the session runs a turn: its servers are in use and are not closed to make room. */
  readonly inTurn: boolean;
  sample(server: string, params: CreateMessageRequest['params'], signal: AbortSignal): Promise<CreateMessageResult>;
  elicit(server: string, params: ElicitRequestFormParams, signal: AbortSignal): Promise<ElicitResult>;
  serverStatus(change: ServerStatusChange): void;
}
