import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

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
}

export interface SessionRecord {
  id: string;
  /** Epoch milliseconds. */
  created_at: number;
  last_active_at: number;
  turns: number;
  messages: ChatMessage[];
}
