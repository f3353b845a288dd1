import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

const PARAM_MAX = 4096;

/** What an authorization server sends the browser back with (RFC 6749 §4.1.2). */
export class OAuthCallbackQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(PARAM_MAX) code?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(PARAM_MAX) state?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(PARAM_MAX) error?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(PARAM_MAX) error_description?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(PARAM_MAX) iss?: string;
}

export class PendingAuthorizationDto {
  @ApiProperty({ description: 'A remote MCP server waiting for the caller to authorize it (POST …/:server/start)' })
  server!: string;
}

export class AuthorizationStartedDto {
  @ApiProperty({
    description:
      'Open it in this browser (the one that started it) to authorize the server; it leads back to this host',
  })
  authorization_url!: string;
}

export class PendingAuthorizationListDto {
  @ApiProperty({ type: [PendingAuthorizationDto] }) pending!: PendingAuthorizationDto[];
}
