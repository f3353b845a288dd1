import type { EventDataMap, TokenUsage, ToolChoice, ToolContent } from '../contract/events';
import type { ChatMessage } from '../contract/session-record';
import type { CallOptions } from '../mcp/client/mcp-connection';
import type { McpTool, ToolResult } from '../mcp/client/mcp-tool';
import type { ChatModel } from '../models/model-registry';

/** The events a turn streams; the session service adds ids, session and turn. */
export type TurnEventType = Exclude<
  keyof EventDataMap,
  'session_start' | 'session_end' | 'status' | 'mcp_status' | 'sampling' | 'elicitation' | 'approval'
>;

export type TurnEmitter = <K extends TurnEventType>(type: K, data: EventDataMap[K]) => void;

/** A call's result as the session hands it back: its files kept, and linked for the tool_call event. */
export type TurnToolResult = ToolResult & { items?: ToolContent[] };

export interface AgentTurn {
  sessionId: string;
  turnId: string;
  /** The session's model, which answers this turn. */
  model: ChatModel;
  history: readonly ChatMessage[];
  /** Whether earlier messages of the conversation are not in `history` (MAX_HISTORY_MESSAGES). */
  earlierLeftOut?: boolean;
  /** The user's message, as the history keeps it (with its attachments). */
  message: ChatMessage;
  tools: readonly McpTool[];
  /** Runs one call the model chose; the session may first ask its user to approve it. */
  callTool(choice: ToolChoice, options: CallOptions): Promise<TurnToolResult>;
  signal: AbortSignal;
  emit: TurnEmitter;
  /** The turn's tokens so far, added to as each reply comes: what a failed turn had spent too. */
  usage: TokenUsage;
}

export interface AgentResult {
  content: string;
  iterations: number;
  usage: TokenUsage;
  max_iterations_reached: boolean;
  /** What the turn adds to the history: the user message, tool calls and results, the answer. */
  messages: ChatMessage[];
}
