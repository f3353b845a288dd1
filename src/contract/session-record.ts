import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import type { SessionStatus } from './session-status';

/** An MCP resource the user attached to a message: the model receives its text with the message. */
export class StoredAttachment {
  @ApiProperty() server!: string;
  @ApiProperty() uri!: string;
  @ApiPropertyOptional() mime_type?: string;
  @ApiProperty({ description: `The resource's text as the model received it (at most ATTACHMENT_MAX_CHARS)` })
  text!: string;
  @ApiPropertyOptional({ description: 'Why the text is cut or missing (too long, binary, could not be read)' })
  note?: string;
}

export class StoredToolCall {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) arguments!: Record<string, unknown>;
}

/** One message of a session's history, in a provider-neutral, JSON-safe form. */
export class ChatMessage {
  @ApiProperty({ enum: ['user', 'assistant', 'tool'] }) role!: 'user' | 'assistant' | 'tool';
  @ApiProperty() content!: string;
  @ApiPropertyOptional({ type: [StoredToolCall], description: 'assistant: the tools it called' })
  tool_calls?: StoredToolCall[];
  @ApiPropertyOptional({ description: 'tool: the call this result answers' }) tool_call_id?: string;
  @ApiPropertyOptional({ description: 'tool: the tool name' }) name?: string;
  @ApiPropertyOptional({ description: 'tool: true when the call failed' }) is_error?: boolean;
  @ApiPropertyOptional({
    enum: ['cancelled', 'failed', 'interrupted'],
    description: 'user: set when the turn this message started did not complete; the model does not see it',
  })
  incomplete?: 'cancelled' | 'failed' | 'interrupted';
  @ApiPropertyOptional({ type: [StoredAttachment], description: 'user: resources attached as context' })
  attachments?: StoredAttachment[];
  @ApiPropertyOptional({
    description:
      'user: this message regenerates (or edits) the turn that began at this index of the history; ' +
      'that turn stays in the history for people, and the model no longer sees it',
  })
  replaces?: number;
  @ApiPropertyOptional({ description: 'assistant: the id of the model that wrote it' }) model?: string;
}

/** Messages a person reads (theirs and the answers), as opposed to tool calls and results. */
export const isConversation = (message: ChatMessage): boolean =>
  message.role === 'user' || (message.role === 'assistant' && !message.tool_calls?.length);

export interface SessionRecord {
  id: string;
  /** The principal that created the session; only it (and, to read or end it, an administrator) reaches it. */
  owner: string;
  /** Epoch milliseconds. */
  created_at: number;
  last_active_at: number;
  /** Completed turns. */
  turns: number;
  status: SessionStatus;
  /** Messages waiting behind the running turn. */
  queued: number;
  /** Id of the turn under way, if any. */
  running?: string;
  /** The user's messages and the assistant's answers in the history (tool calls and results not counted). */
  message_count: number;
  /** The title the owner gave it, else the first user message, cut to TITLE_CHARS. */
  title?: string;
  /** Servers ("server") and tools ("server/tool") the agent leaves out of this session's turns. */
  disabled_tools?: string[];
  /** The node that holds the session (runs its turns), if any does. */
  node?: string;
  /** The id of the model that answers its turns (LLM_MODELS); unset: the default at each turn. */
  model?: string;
}

export const TITLE_CHARS = 80;
