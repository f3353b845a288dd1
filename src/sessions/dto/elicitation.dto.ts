import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional } from 'class-validator';

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

export class ElicitationAnsweredDto {
  @ApiProperty() session_id!: string;
  @ApiProperty() elicitation_id!: string;
  @ApiProperty({ enum: ['accept', 'decline', 'cancel'] }) action!: string;
}
