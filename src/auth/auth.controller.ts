import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';

import { ErrorBodyDto } from '../common/error-body.dto';
import { CurrentPrincipal } from './auth.decorators';
import { AuthService } from './auth.service';
import { MeDto } from './dto/me.dto';
import type { Principal } from './principal';

@ApiTags('auth')
@ApiBearerAuth()
@Controller('api/v3')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Get('me')
  @ApiOperation({ summary: 'Who the credential belongs to (a client checks a key or token with it)' })
  @ApiOkResponse({ type: MeDto })
  @ApiUnauthorizedResponse({ type: ErrorBodyDto })
  me(@CurrentPrincipal() principal: Principal): MeDto {
    return {
      principal: principal.id,
      admin: principal.admin,
      auth_enabled: this.auth.enabled,
      expires_at: principal.expiresAt === undefined ? null : new Date(principal.expiresAt).toISOString(),
    };
  }
}
