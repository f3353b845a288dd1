import type { ElicitResult } from '@modelcontextprotocol/sdk/types.js';

import type { AppException } from '../common/errors';
import type { McpSessionClients } from '../mcp/mcp-session-clients';
import { SessionStatus } from './events';
import type { StreamEvent } from './events';

export interface TurnSuccess {
  ok: true;
  session_id: string;
  turn_id: string;
  response: string;
  /** The turn's ReAct steps: thinking, acting, tool_call and observing events, in order. */
  steps: StreamEvent[];
}

export interface TurnFailure {
  ok: false;
  error: AppException;
}

export type TurnOutcome = TurnSuccess | TurnFailure;

export interface PendingTurn {
  turnId: string;
  content: string;
  settle(outcome: TurnOutcome): void;
}

export interface RunningTurn {
  turnId: string;
  controller: AbortController;
  /** Sampling requests answered in this turn, against MCP_SAMPLING_MAX_PER_TURN. */
  samplings: number;
}

export interface PendingElicitation {
  schema: Record<string, unknown>;
  settle(result: ElicitResult): void;
}

/** What this process holds for a live session beyond its stored record: never serialized. */
export class SessionRuntime {
  status = SessionStatus.IDLE;
  mcp?: McpSessionClients;
  readonly queue: PendingTurn[] = [];
  running?: RunningTurn;
  readonly elicitations = new Map<string, PendingElicitation>();
  ended = false;

  constructor(readonly id: string) {}

  get busy(): boolean {
    return this.running !== undefined || this.queue.length > 0;
  }
}
