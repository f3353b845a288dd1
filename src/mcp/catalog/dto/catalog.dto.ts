import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';

import { IsId } from '../../../common/validation';

const URI_MAX_LENGTH = 4096;

/** Which client serves the request: the session's, or the shared one of a shared server. */
export class CatalogSessionDto {
  @ApiPropertyOptional({ description: 'Session whose client to use; required for session-scoped servers' })
  @IsOptional()
  @IsId()
  session_id?: string;
}

export class CatalogQueryDto extends CatalogSessionDto {
  @ApiPropertyOptional({ description: 'Cursor from the previous page (nextCursor)' })
  @IsOptional()
  @IsString()
  @MaxLength(URI_MAX_LENGTH)
  cursor?: string;
}

export class ReadResourceQueryDto extends CatalogSessionDto {
  @ApiProperty({ description: 'URI of the resource to read' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(URI_MAX_LENGTH)
  uri!: string;
}

export class GetPromptDto extends CatalogSessionDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: "The prompt's arguments",
  })
  @IsOptional()
  @IsObject()
  arguments?: Record<string, string>;
}

/** MCP results are passed through as the server gave them (MCP schema, camelCase). */
export class McpResultDto {
  @ApiPropertyOptional({ description: 'Present when there is a next page' }) nextCursor?: string;
}
