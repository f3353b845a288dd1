import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';

const REASON_MAX_CHARS = 2000;

/** The owner's answer to an `approval` event. */
export class ApprovalAnswerDto {
  @ApiProperty({ description: 'true runs the tool call; false declines it (the model is told)' })
  @IsBoolean()
  approved!: boolean;

  @ApiPropertyOptional({ maxLength: REASON_MAX_CHARS, description: 'Why, passed on to the model with a denial' })
  @IsOptional()
  @IsString()
  @MaxLength(REASON_MAX_CHARS)
  reason?: string;
}

export class ApprovalAnsweredDto {
  @ApiProperty() session_id!: string;
  @ApiProperty() approval_id!: string;
  @ApiProperty() approved!: boolean;
}
