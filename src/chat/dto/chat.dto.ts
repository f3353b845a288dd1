import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Min,
  ValidateNested,
} from 'class-validator';

import { IsId } from '../../common/validation';
import { ApprovalAnswerDto } from '../../sessions/dto/approval.dto';
import { AttachmentRefDto } from '../../sessions/dto/attachment.dto';
import { ElicitationAnswerDto } from '../../sessions/dto/elicitation.dto';
import { ModelChoiceDto } from '../../sessions/dto/session.dto';

export class JoinChatDto extends ModelChoiceDto {
  @ApiPropertyOptional({ description: 'Session to join; a new one is created when absent' })
  @IsOptional()
  @IsId()
  session_id?: string;

  @ApiPropertyOptional({ description: 'Replay the retained events after this id (resuming a stream)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  last_event_id?: number;
}

export class SessionRefDto {
  @ApiProperty()
  @IsId()
  session_id!: string;
}

/** What a message may carry besides its words. */
export class TurnOptionsDto {
  @ApiPropertyOptional({
    description:
      'Regenerate (the same words) or edit (new words) the last turn: a new turn that replaces it. ' +
      'The history keeps the replaced turn (the new user message has `replaces`); the model no longer sees it.',
  })
  @IsOptional()
  @IsBoolean()
  replace_last?: boolean;

  @ApiPropertyOptional({
    type: [AttachmentRefDto],
    description: 'MCP resources (at most MAX_ATTACHMENTS) read when the turn starts; the model receives their text',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => AttachmentRefDto)
  attachments?: AttachmentRefDto[];
}

export class ChatMessageDto extends IntersectionType(SessionRefDto, TurnOptionsDto) {
  @ApiProperty({ description: 'The user message (at most MAX_MESSAGE_CHARS characters)' })
  @IsString()
  @IsNotEmpty()
  content!: string;
}

export class SendMessageDto extends IntersectionType(SessionRefDto, TurnOptionsDto) {
  @ApiProperty({ description: 'The user message (at most MAX_MESSAGE_CHARS characters)' })
  @IsString()
  @IsNotEmpty()
  message!: string;
}

export class ChatRequestDto extends IntersectionType(TurnOptionsDto, ModelChoiceDto) {
  @ApiProperty({ description: 'The user message (at most MAX_MESSAGE_CHARS characters)' })
  @IsString()
  @IsNotEmpty()
  message!: string;

  @ApiPropertyOptional({ description: 'Session to continue; a new one is created when absent' })
  @IsOptional()
  @IsId()
  session_id?: string;
}

export class StreamQueryDto extends ModelChoiceDto {
  @ApiPropertyOptional({ description: 'Session to stream; a new one is created when absent' })
  @IsOptional()
  @IsId()
  session_id?: string;

  @ApiPropertyOptional({ description: 'Same as the Last-Event-ID header, for clients that cannot set it' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  last_event_id?: number;

  @ApiPropertyOptional({
    description:
      "Without Last-Event-ID: replay, after session_start, the retained events from this turn's first on " +
      '(the running_turn a client has just read, so a turn that ends meanwhile is not missed)',
  })
  @IsOptional()
  @IsId()
  from_turn?: string;

  @ApiPropertyOptional({
    description: 'The credential, for clients that cannot set Authorization (EventSource); never logged',
  })
  @IsOptional()
  @IsString()
  access_token?: string;
}

/** `elicitation_response`: the answer (as over REST) plus the session and elicitation it answers. */
export class ElicitationResponseDto extends IntersectionType(SessionRefDto, ElicitationAnswerDto) {
  @ApiProperty()
  @IsId()
  elicitation_id!: string;
}

/** `approval_response`: the answer (as over REST) plus the session and approval it answers. */
export class ApprovalResponseDto extends IntersectionType(SessionRefDto, ApprovalAnswerDto) {
  @ApiProperty()
  @IsId()
  approval_id!: string;
}
