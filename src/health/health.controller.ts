import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { HealthCheckResult } from '@nestjs/terminus';

import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { LlmHealthIndicator } from './indicators/llm.health';
import { McpHealthIndicator } from './indicators/mcp.health';
import { RedisHealthIndicator } from './indicators/redis.health';
import { SessionStoreHealthIndicator } from './indicators/session-store.health';

@ApiTags('health')
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
  @ApiOperation({ summary: 'Readiness: session store (and Redis when used), LLM configuration and MCP servers' })
  @ApiServiceUnavailableResponse({
    description: 'An indicator is down; the body has the same shape, with `error` filled',
  })
  async check(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
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
