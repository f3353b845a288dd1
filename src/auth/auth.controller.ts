import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';

import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ErrorBodyDto } from '../contract/error-body.dto';
import { CurrentPrincipal } from './auth.decorators';
import { AuthService } from './auth.service';
import { MeDto } from './dto/me.dto';
import type { Principal } from './principal';

@ApiTags('auth')
@ApiBearerAuth()
@Controller('api/v3')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  @Get('me')
  @ApiOperation({
    summary: 'Who the credential belongs to (a client checks a key or token with it), and the model it talks to',
  })
  @ApiOkResponse({ type: MeDto })
  @ApiUnauthorizedResponse({ type: ErrorBodyDto })
  me(@CurrentPrincipal() principal: Principal): MeDto {
    return {
      principal: principal.id,
      admin: principal.admin,
      auth_enabled: this.auth.enabled,
      expires_at: principal.expiresAt === undefined ? null : new Date(principal.expiresAt).toISOString(),
      model: this.config.LLM_MODEL ?? null,
    };
  }
}
