import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Length } from 'class-validator';

/** A view's `tools/call`, as its bridge in the page passes it on. */
export class ViewCallDto {
  @ApiProperty({ description: "The tool's name on the view's MCP server", minLength: 1, maxLength: 128 })
  @IsString()
  @Length(1, 128)
  name!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  arguments?: Record<string, unknown>;
}

export class CallToolResultDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'MCP content blocks',
  })
  content!: Array<Record<string, unknown>>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) structuredContent?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'The tool failed, or the user declined the call' }) isError?: boolean;
}
