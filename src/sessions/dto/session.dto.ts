import { ApiProperty } from '@nestjs/swagger';

import { SessionStatus } from '../events';
import { ChatMessage } from '../store/session-record';
import type { SessionSnapshot } from '../sessions.service';

const TITLE_CHARS = 80;

export class SessionDto {
  @ApiProperty() session_id!: string;
  @ApiProperty({ enum: SessionStatus }) status!: SessionStatus;
  @ApiProperty() created_at!: string;
  @ApiProperty() last_active_at!: string;
  @ApiProperty({ description: 'Completed turns' }) turns!: number;
  @ApiProperty() message_count!: number;
  @ApiProperty({ description: 'Messages waiting behind the running turn' }) queued!: number;
  @ApiProperty({ type: String, nullable: true, description: 'The first user message, cut to 80 characters' })
  title!: string | null;

  static from({ record, status, queued }: SessionSnapshot): SessionDto {
    const first = record.messages.find((message) => message.role === 'user')?.content;
    return {
      session_id: record.id,
      status,
      created_at: new Date(record.created_at).toISOString(),
      last_active_at: new Date(record.last_active_at).toISOString(),
      turns: record.turns,
      message_count: record.messages.length,
      queued,
      title: first === undefined ? null : first.slice(0, TITLE_CHARS),
    };
  }
}

export class SessionDetailDto extends SessionDto {
  @ApiProperty({ type: [ChatMessage] }) messages!: ChatMessage[];

  static detail(snapshot: SessionSnapshot): SessionDetailDto {
    return { ...SessionDto.from(snapshot), messages: snapshot.record.messages };
  }
}

export class SessionListDto {
  @ApiProperty({ type: [SessionDto] }) sessions!: SessionDto[];
}

export class SessionStatsDto {
  @ApiProperty({ description: 'Live sessions' }) total!: number;
  @ApiProperty({ description: 'Sessions running a turn' }) processing!: number;
  @ApiProperty() queued_messages!: number;
  @ApiProperty({ description: 'Sessions whose MCP clients are started' }) with_mcp_clients!: number;
  @ApiProperty({ description: 'Idle time after which a session expires' }) ttl_ms!: number;
}

export class CancelledDto {
  @ApiProperty() session_id!: string;
  @ApiProperty({ description: 'False when no turn was running' }) cancelled!: boolean;
}
