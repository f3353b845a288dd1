import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';

const ID_MAX = 128;

export class CatalogQueryDto {
  @ApiPropertyOptional({ description: 'Session whose client to use; required for session-scoped servers' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX)
  session_id?: string;

  @ApiPropertyOptional({ description: 'Cursor from the previous page (nextCursor)' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  cursor?: string;
}

export class ReadResourceQueryDto {
  @ApiProperty({ description: 'URI of the resource to read' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  uri!: string;

  @ApiPropertyOptional({ description: 'Session whose client to use; required for session-scoped servers' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX)
  session_id?: string;
}

export class GetPromptDto {
  @ApiPropertyOptional({ description: 'Session whose client to use; required for session-scoped servers' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX)
  session_id?: string;

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
