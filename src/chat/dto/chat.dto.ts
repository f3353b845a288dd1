import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min } from 'class-validator';

// Longer than any id this server issues; the bound keeps junk out of logs and lookups.
const ID_MAX = 128;

export class JoinChatDto {
  @ApiPropertyOptional({ description: 'Session to join; a new one is created when absent' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX)
  session_id?: string;

  @ApiPropertyOptional({ description: 'Replay the retained events after this id (resuming a stream)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  last_event_id?: number;
}

export class SessionRefDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX)
  session_id!: string;
}

export class ChatMessageDto extends SessionRefDto {
  @ApiProperty({ description: 'The user message (at most MAX_MESSAGE_CHARS characters)' })
  @IsString()
  @IsNotEmpty()
  content!: string;
}

export class SendMessageDto extends SessionRefDto {
  @ApiProperty({ description: 'The user message (at most MAX_MESSAGE_CHARS characters)' })
  @IsString()
  @IsNotEmpty()
  message!: string;
}

export class ChatRequestDto {
  @ApiProperty({ description: 'The user message (at most MAX_MESSAGE_CHARS characters)' })
  @IsString()
  @IsNotEmpty()
  message!: string;

  @ApiPropertyOptional({ description: 'Session to continue; a new one is created when absent' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX)
  session_id?: string;
}

export class StreamQueryDto {
  @ApiPropertyOptional({ description: 'Session to stream; a new one is created when absent' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX)
  session_id?: string;

  @ApiPropertyOptional({ description: 'Same as the Last-Event-ID header, for clients that cannot set it' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  last_event_id?: number;
}
