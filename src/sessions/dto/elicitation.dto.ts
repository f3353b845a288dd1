import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';

const ID_MAX = 128;

/** The user's answer to an `elicitation` event. */
export class ElicitationAnswerDto {
  @ApiProperty({ enum: ['accept', 'decline', 'cancel'] })
  @IsIn(['accept', 'decline', 'cancel'])
  action!: 'accept' | 'decline' | 'cancel';

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'With accept: the answer, matching requested_schema (defaults fill what is left out)',
  })
  @IsOptional()
  @IsObject()
  content?: Record<string, unknown>;
}

/** socket.io `elicitation_response`: the answer plus where it goes. */
export class ElicitationResponseDto extends ElicitationAnswerDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX)
  session_id!: string;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX)
  elicitation_id!: string;
}

export class ElicitationAnsweredDto {
  @ApiProperty() session_id!: string;
  @ApiProperty() elicitation_id!: string;
  @ApiProperty({ enum: ['accept', 'decline', 'cancel'] }) action!: string;
}
