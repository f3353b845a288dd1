import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';

import { CurrentPrincipal } from '../auth/auth.decorators';
import { AuthService } from '../auth/auth.service';
import type { Principal } from '../auth/principal';
import { ErrorBodyDto } from '../contract/error-body.dto';
import { ModelRegistry } from '../models/model-registry';
import { MeDto } from './dto/me.dto';
import { ModelsDto } from './dto/models.dto';

/** The caller's own view of the host: who they are, and the models they may chat with. */
@ApiTags('account')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid credential (with authentication on)' })
@Controller('api/v3')
export class AccountController {
  constructor(
    private readonly auth: AuthService,
    private readonly models: ModelRegistry,
  ) {}

  @Get('me')
  @ApiOperation({
    summary: 'Who the credential belongs to (a client checks a key or token with it), and its default model',
  })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentPrincipal() principal: Principal): MeDto {
    return {
      principal: principal.id,
      admin: principal.admin,
      auth_enabled: this.auth.enabled,
      expires_at: principal.expiresAt === undefined ? null : new Date(principal.expiresAt).toISOString(),
      model: this.models.forPrincipal(principal.id).defaultId ?? null,
    };
  }

  @Get('models')
  @ApiOperation({ summary: 'The models the caller may use, and its default (no endpoints, no keys)' })
  @ApiOkResponse({ type: ModelsDto })
  list(@CurrentPrincipal() principal: Principal): ModelsDto {
    return this.models.views(principal.id);
  }
}
