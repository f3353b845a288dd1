import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

import { ErrorCode } from '../contract/error-code';
import { AppException } from './errors';

/** Items per page of every listing when the client does not say, and the most it may ask for. */
export const PAGE_DEFAULT_LIMIT = 50;
export const PAGE_MAX_LIMIT = 200;
const CURSOR_MAX_LENGTH = 512;

/** `?limit=&cursor=` of every list route. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: PAGE_MAX_LIMIT, default: PAGE_DEFAULT_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_MAX_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(CURSOR_MAX_LENGTH)
  cursor?: string;
}

/** An opaque cursor: the position is the server's business, so clients only pass it back. */
export const encodeCursor = (position: unknown): string => Buffer.from(JSON.stringify(position)).toString('base64url');

/** The position a cursor carries, checked by `isPosition`; VALIDATION_FAILED for anything else. */
export function decodeCursor<T>(cursor: string, isPosition: (value: unknown) => value is T): T {
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    position = undefined;
  }
  if (!isPosition(position)) {
    throw new AppException(ErrorCode.VALIDATION_FAILED, 'cursor is not a next_cursor this server gave');
  }
  return position;
}
