import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import type { SessionStatus } from '../events';

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
}

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
  /** Messages in the history. */
  message_count: number;
  /** The first user message, cut to TITLE_CHARS. */
  title?: string;
  /** The node that holds the session (runs its turns), if any does. */
  node?: string;
}

export const TITLE_CHARS = 80;
