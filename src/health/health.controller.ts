import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { HealthCheckResult, HealthIndicatorResult } from '@nestjs/terminus';

import { CurrentPrincipal, Public } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { AppException, ErrorCode } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { LlmHealthIndicator } from './indicators/llm.health';
import { McpHealthIndicator } from './indicators/mcp.health';
import { RedisHealthIndicator } from './indicators/redis.health';
import { SessionStoreHealthIndicator } from './indicators/session-store.health';

/** Each indicator's status alone: addresses, models and errors are for administrators. */
function statusOnly(result: Partial<HealthIndicatorResult> | undefined): HealthIndicatorResult | undefined {
  return (
    result &&
    Object.fromEntries(
      Object.entries(result).flatMap(([key, value]) => (value ? [[key, { status: value.status }]] : [])),
    )
  );
}

@ApiTags('health')
@ApiBearerAuth()
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly llm: LlmHealthIndicator,
    private readonly mcp: McpHealthIndicator,
    private readonly store: SessionStoreHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: session store (and Redis when used), LLM configuration and MCP servers',
    description:
      'Open to probes unless HEALTH_PUBLIC=false (then a credential is needed). Only administrators see ' +
      "each indicator's details; everyone else gets its status alone.",
  })
  @ApiServiceUnavailableResponse({
    description: 'An indicator is down; the body has the same shape, with `error` filled',
  })
  async check(
    @CurrentPrincipal() principal: Principal | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<HealthCheckResult> {
    if (!principal && !this.config.HEALTH_PUBLIC) {
      throw new AppException(ErrorCode.UNAUTHORIZED, 'Authentication required (HEALTH_PUBLIC=false)');
    }
    const result = await this.readiness(response);
    if (principal?.admin) {
      return result;
    }
    return {
      status: result.status,
      info: statusOnly(result.info),
      error: statusOnly(result.error),
      details: statusOnly(result.details) ?? {},
    };
  }

  private async readiness(response: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        ...(this.config.REDIS_URL ? [() => this.redis.check('redis')] : []),
        () => this.store.check('session_store'),
        () => this.llm.check('llm'),
        () => this.mcp.check('mcp'),
      ]);
    } catch (error) {
      // Terminus reports "down" as an exception; its body is the health result, which clients expect.
      if (error instanceof ServiceUnavailableException) {
        response.status(503);
        return error.getResponse() as HealthCheckResult;
      }
      throw error;
    }
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }
}
