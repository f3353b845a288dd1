import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

import { CurrentPrincipal } from '../auth/auth.decorators';
import { AuthService } from '../auth/auth.service';
import type { Principal } from '../auth/principal';
import { PAGE_DEFAULT_LIMIT } from '../common/page';
import { ErrorBodyDto } from '../contract/error-body.dto';
import { ModelRegistry } from '../models/model-registry';
import { QuotaService } from '../usage/quota.service';
import { UsageService } from '../usage/usage.service';
import { MeDto } from './dto/me.dto';
import { ModelsDto } from './dto/models.dto';
import { UsageQueryDto, UsageReportDto } from './dto/usage.dto';

/** The caller's own view of the host: who they are, the models they may chat with, what they spent. */
@ApiTags('account')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid credential (with authentication on)' })
@Controller('api/v3')
export class AccountController {
  constructor(
    private readonly auth: AuthService,
    private readonly models: ModelRegistry,
    private readonly usage: UsageService,
    private readonly quotas: QuotaService,
  ) {}

  @Get('me')
  @ApiOperation({
    summary: 'Who the credential belongs to (a client checks a key or token with it), its default model and quota',
  })
  @ApiOkResponse({ type: MeDto })
  async me(@CurrentPrincipal() principal: Principal): Promise<MeDto> {
    return {
      principal: principal.id,
      admin: principal.admin,
      auth_enabled: this.auth.enabled,
      expires_at: principal.expiresAt === undefined ? null : new Date(principal.expiresAt).toISOString(),
      model: this.models.forPrincipal(principal.id).defaultId ?? null,
      quota: await this.quotas.view(principal.id),
    };
  }

  @Get('models')
  @ApiOperation({ summary: 'The models the caller may use, and its default (no endpoints, no keys)' })
  @ApiOkResponse({ type: ModelsDto })
  list(@CurrentPrincipal() principal: Principal): ModelsDto {
    return this.models.views(principal.id);
  }

  @Get('usage')
  @ApiOperation({
    summary: "Tokens the caller's turns used, per model, day or principal (everyone's for administrators: all=true)",
  })
  @ApiOkResponse({ type: UsageReportDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'A bad date, range (at most 366 days), group or cursor' })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'all=true from a caller who is not an administrator' })
  usageReport(@CurrentPrincipal() principal: Principal, @Query() query: UsageQueryDto): Promise<UsageReportDto> {
    return this.usage.report(principal, {
      from: query.from,
      to: query.to,
      group_by: query.group_by ?? ['model'],
      all: query.all ?? false,
      limit: query.limit ?? PAGE_DEFAULT_LIMIT,
      cursor: query.cursor,
    });
  }
}
