import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Min } from 'class-validator';

import { PAGE_DEFAULT_LIMIT, PageQueryDto } from '../../common/page';
import { SessionStatus } from '../events';
import { ChatMessage } from '../store/session-record';
import type { MessagePage } from '../store/session-store';
import { TITLE_CHARS } from '../store/session-record';
import type { SessionRecord } from '../store/session-record';

export class SessionDto {
  @ApiProperty() session_id!: string;
  @ApiProperty({
    description: 'The principal that created it (API key name or JWT subject; "local" in single-user mode)',
  })
  owner!: string;
  @ApiProperty({ enum: SessionStatus }) status!: SessionStatus;
  @ApiProperty() created_at!: string;
  @ApiProperty() last_active_at!: string;
  @ApiProperty({ description: 'Completed turns' }) turns!: number;
  @ApiProperty() message_count!: number;
  @ApiProperty({ description: 'Messages waiting behind the running turn' }) queued!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description: `The first user message, cut to ${TITLE_CHARS} characters`,
  })
  title!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The node that holds the session (runs its turns), if any',
  })
  node!: string | null;

  static from(record: SessionRecord): SessionDto {
    return {
      session_id: record.id,
      owner: record.owner,
      status: record.status,
      created_at: new Date(record.created_at).toISOString(),
      last_active_at: new Date(record.last_active_at).toISOString(),
      turns: record.turns,
      message_count: record.message_count,
      queued: record.queued,
      title: record.title ?? null,
      node: record.node ?? null,
    };
  }
}

/** A page of a session's history, oldest first; `next_before` asks for the page before it. */
export class MessagePageDto {
  @ApiProperty({ type: [ChatMessage] }) messages!: ChatMessage[];
  @ApiProperty({ type: Number, nullable: true, description: '`before` of the older page; null at the start' })
  next_before!: number | null;
}

export class SessionDetailDto extends SessionDto {
  @ApiProperty({ type: [ChatMessage], description: `The latest ${PAGE_DEFAULT_LIMIT} messages, oldest first` })
  messages!: ChatMessage[];
  @ApiProperty({ type: Number, nullable: true, description: '`before` for GET …/messages; null when all are here' })
  next_before!: number | null;

  static detail(record: SessionRecord, page: MessagePage): SessionDetailDto {
    return { ...SessionDto.from(record), messages: page.messages, next_before: page.next_before };
  }
}

export class SessionListDto {
  @ApiProperty({ type: [SessionDto], description: 'Newest first' }) sessions!: SessionDto[];
  @ApiProperty({ type: String, nullable: true, description: '`cursor` of the next page; null on the last' })
  next_cursor!: string | null;
  @ApiProperty({ description: 'Live sessions in the whole cluster' }) total!: number;
  @ApiProperty({ description: 'The node that answered' }) node!: string;
}

export class SessionListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: "Everyone's sessions, not only the caller's (administrators only)",
    default: false,
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  all?: boolean;
}

export class MessagesQueryDto extends PickType(PageQueryDto, ['limit'] as const) {
  @ApiPropertyOptional({ description: 'Index of the first message after the page (default: the end)', minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  before?: number;
}

export class SessionStatsDto {
  @ApiProperty({ description: 'The node that answered' }) node!: string;
  @ApiProperty({ description: 'Live sessions in the whole cluster' }) total!: number;
  @ApiProperty({ description: 'Sessions this node holds (runs the turns of)' }) held!: number;
  @ApiProperty({ description: 'Turns running on this node' }) processing!: number;
  @ApiProperty({ description: 'Sessions on this node whose MCP clients are started' }) with_mcp_clients!: number;
  @ApiProperty({ description: 'Idle time after which a session expires' }) ttl_ms!: number;
}

export class CancelledDto {
  @ApiProperty() session_id!: string;
  @ApiProperty({ description: 'False when no turn was running' }) cancelled!: boolean;
}
