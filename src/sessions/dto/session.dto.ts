import { ApiProperty, ApiPropertyOptional, IntersectionType, PickType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  Min,
} from 'class-validator';

import { PAGE_DEFAULT_LIMIT, PageQueryDto } from '../../common/page';
import { ChatMessage } from '../../contract/session-record';
import { TITLE_CHARS } from '../../contract/session-record';
import type { SessionRecord } from '../../contract/session-record';
import { SessionStatus } from '../../contract/session-status';
import type { MessagePage, PendingTurns, QueuedTurn } from '../../session-store/session-store';
import { SEARCH_SCAN_MESSAGES, SEARCH_SCAN_SESSIONS } from '../chats.service';
import { AttachmentRefDto } from './attachment.dto';

const SEARCH_MAX_CHARS = 200;
// Switches one session may hold, and the length of one ("server/tool").
const DISABLED_TOOLS_MAX = 500;
const TOOL_SWITCH_MAX_CHARS = 300;

// The longest model id a request may name (LLM_MODELS ids are at most this long).
const MODEL_ID_MAX_CHARS = 100;

/** A model for a new chat, or for the chat's next turns: an id of GET /api/v3/models. */
export class ModelChoiceDto {
  @ApiPropertyOptional({ description: 'A model id of GET /api/v3/models; default: your default model' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MODEL_ID_MAX_CHARS)
  model?: string;
}

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
  @ApiProperty({ description: "The user's messages and the assistant's answers (tool calls and results not counted)" })
  message_count!: number;
  @ApiProperty({ description: 'Messages waiting behind the running turn' }) queued!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description: `The title its owner gave it, else the first user message, cut to ${TITLE_CHARS} characters`,
  })
  title!: string | null;
  @ApiProperty({
    type: [String],
    description: 'Servers ("server") and tools ("server/tool") switched off for this session',
  })
  disabled_tools!: string[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The node that holds the session (runs its turns), if any',
  })
  node!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The id of the model that answers its turns' })
  model!: string | null;

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
      disabled_tools: record.disabled_tools ?? [],
      node: record.node ?? null,
      model: record.model ?? null,
    };
  }
}

/** A page of a session's history, oldest first; `next_before` asks for the page before it. */
export class MessagePageDto {
  @ApiProperty({ type: [ChatMessage] }) messages!: ChatMessage[];
  @ApiProperty({ type: Number, nullable: true, description: '`before` of the older page; null at the start' })
  next_before!: number | null;
}

/** A message accepted into the session that is not in its history yet: running or queued. */
export class PendingTurnDto {
  @ApiProperty({ description: 'Carried by every event of the turn' }) turn_id!: string;
  @ApiProperty() content!: string;
  @ApiPropertyOptional() replace_last?: boolean;
  @ApiPropertyOptional({ type: [AttachmentRefDto] }) attachments?: AttachmentRefDto[];

  static from({ turn_id, content, replace_last, attachments }: QueuedTurn): PendingTurnDto {
    return { turn_id, content, ...(replace_last ? { replace_last } : {}), ...(attachments ? { attachments } : {}) };
  }
}

/** The latest history and the turns not in it yet: what a client draws when it opens a session. */
export class SessionHistoryDto {
  @ApiProperty({ type: [ChatMessage], description: `The latest ${PAGE_DEFAULT_LIMIT} messages, oldest first` })
  messages!: ChatMessage[];
  @ApiProperty({ type: Number, nullable: true, description: '`before` for GET …/messages; null when all are here' })
  next_before!: number | null;
  @ApiProperty({
    type: PendingTurnDto,
    nullable: true,
    description: 'The turn under way; its events so far follow session_start on a stream opened without Last-Event-ID',
  })
  running_turn!: PendingTurnDto | null;
  @ApiProperty({ type: [PendingTurnDto], description: 'Messages waiting behind it, in the order they run' })
  queued_turns!: PendingTurnDto[];

  static of(page: Pick<MessagePage, 'messages' | 'next_before'>, pending: PendingTurns): SessionHistoryDto {
    return {
      messages: page.messages,
      next_before: page.next_before,
      running_turn: pending.running ? PendingTurnDto.from(pending.running) : null,
      queued_turns: pending.queued.map((turn) => PendingTurnDto.from(turn)),
    };
  }
}

export class SessionDetailDto extends IntersectionType(SessionDto, SessionHistoryDto) {
  static detail(record: SessionRecord, page: MessagePage, pending: PendingTurns): SessionDetailDto {
    return { ...SessionDto.from(record), ...SessionHistoryDto.of(page, pending) };
  }
}

/** A session a search found, with where. */
export class FoundSessionDto extends SessionDto {
  @ApiPropertyOptional({ description: 'With q: the matching text, with a little context' }) match?: string;
}

export class SessionListDto {
  @ApiProperty({ type: [FoundSessionDto], description: 'Newest first' }) sessions!: FoundSessionDto[];
  @ApiProperty({ type: String, nullable: true, description: '`cursor` of the next page; null on the last' })
  next_cursor!: string | null;
  @ApiProperty({ description: 'Live sessions in the whole cluster' }) total!: number;
  @ApiProperty({ description: 'The node that answered' }) node!: string;
}

export class SessionListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description:
      `Only sessions whose title or messages (the user's and the answers) contain this text, ignoring case. ` +
      `A page reads at most ${SEARCH_SCAN_SESSIONS} sessions (so it may hold fewer than limit while next_cursor goes on) ` +
      `and the latest ${SEARCH_SCAN_MESSAGES} messages of each`,
    maxLength: SEARCH_MAX_CHARS,
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(SEARCH_MAX_CHARS)
  q?: string;

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

export class UpdateSessionDto extends ModelChoiceDto {
  @ApiPropertyOptional({ description: `A new title (at most ${TITLE_CHARS} characters, shown as plain text)` })
  @IsOptional()
  @IsString()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : value))
  @IsNotEmpty()
  @MaxLength(TITLE_CHARS)
  title?: string;

  @ApiPropertyOptional({
    type: [String],
    description:
      'Servers ("server") and single tools ("server/tool") the agent leaves out, from the next turn on; ' +
      '[] switches everything back on',
    maxItems: DISABLED_TOOLS_MAX,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(DISABLED_TOOLS_MAX)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(TOOL_SWITCH_MAX_CHARS, { each: true })
  disabled_tools?: string[];
}

export class CancelledDto {
  @ApiProperty() session_id!: string;
  @ApiProperty({ description: 'False when no turn was running' }) cancelled!: boolean;
}
