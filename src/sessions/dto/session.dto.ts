import { ApiProperty } from '@nestjs/swagger';

import { SessionStatus } from '../events';
import { ChatMessage } from '../store/session-record';
import type { SessionSnapshot } from '../sessions.service';

export class SessionDto {
  @ApiProperty() session_id!: string;
  @ApiProperty({ enum: SessionStatus }) status!: SessionStatus;
  @ApiProperty() created_at!: string;
  @ApiProperty() last_active_at!: string;
  @ApiProperty({ description: 'Completed turns' }) turns!: number;
  @ApiProperty() message_count!: number;
  @ApiProperty({ description: 'Messages waiting behind the running turn' }) queued!: number;

  static from({ record, status, queued }: SessionSnapshot): SessionDto {
    return {
      session_id: record.id,
      status,
      created_at: new Date(record.created_at).toISOString(),
      last_active_at: new Date(record.last_active_at).toISOString(),
      turns: record.turns,
      message_count: record.messages.length,
      queued,
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
