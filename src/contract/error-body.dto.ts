import { ApiProperty } from '@nestjs/swagger';

import { ErrorCode } from './error-code';

export class ErrorDetailDto {
  @ApiProperty({ enum: ErrorCode }) code!: ErrorCode;
  @ApiProperty({ description: 'What went wrong, naming the field, session or server' }) message!: string;
}

/** The body of every error answer, over HTTP and in socket.io acks. */
export class ErrorBodyDto {
  @ApiProperty({ type: ErrorDetailDto }) error!: ErrorDetailDto;
}
