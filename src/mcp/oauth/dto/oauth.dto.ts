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
  @ApiProperty() server!: string;
  @ApiProperty({ description: 'Open it in a browser to authorize the server; it leads back to this host' })
  authorization_url!: string;
}

export class PendingAuthorizationListDto {
  @ApiProperty({ type: [PendingAuthorizationDto] }) pending!: PendingAuthorizationDto[];
}
