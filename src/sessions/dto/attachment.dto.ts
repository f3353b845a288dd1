import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** An MCP resource a message attaches as context for the model. */
export class AttachmentRefDto {
  @ApiProperty({ description: 'The MCP server the resource is from' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  server!: string;

  @ApiProperty({ description: 'The resource URI (from its resources or a resource template)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  uri!: string;
}
