import { Controller, Get, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { HealthCheckResult, HealthIndicatorFunction, HealthIndicatorResult } from '@nestjs/terminus';
import type { Response } from 'express';

import { CurrentPrincipal, Public } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { AppException } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ErrorCode } from '../contract/error-code';
import { DrainHealthIndicator } from './indicators/drain.health';
import { EventLoopHealthIndicator } from './indicators/event-loop.health';
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

/** What a failing check says, for the one log line written when readiness changes. */
function failures(result: HealthCheckResult): string {
  return Object.entries(result.error ?? {})
    .map(([key, value]) => `${key}: ${(value as { message?: string } | undefined)?.message ?? 'down'}`)
    .join('; ');
}

@ApiTags('health')
@ApiBearerAuth()
@Public()
@Controller('health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);
  private ready?: boolean;

  constructor(
    private readonly health: HealthCheckService,
    private readonly node: DrainHealthIndicator,
    private readonly eventLoop: EventLoopHealthIndicator,
    private readonly llm: LlmHealthIndicator,
    private readonly mcp: McpHealthIndicator,
    private readonly store: SessionStoreHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: 'The full picture: readiness, the event loop, and every MCP server (a failing one degrades)',
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
    const checks = [
      ...this.readiness('all'),
      () => this.eventLoop.check('event_loop'),
      () => this.mcp.check('mcp', 'all'),
    ];
    return this.shown(principal, await this.run(checks, response));
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: "Readiness: not draining, the store (and Redis), shared MCP servers, and the default model's endpoint answering",
    description:
      'Open to probes. The LLM endpoint is asked (a model listing) at most every LLM_HEALTH_INTERVAL_MS. ' +
      '503 from the moment the node starts draining.',
  })
  @ApiServiceUnavailableResponse({ description: 'Not ready; the body says which indicator is down' })
  async readyCheck(
    @CurrentPrincipal() principal: Principal | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<HealthCheckResult> {
    const result = await this.run([...this.readiness('default'), () => this.mcp.check('mcp', 'shared')], response);
    this.noteReadiness(result);
    return this.shown(principal, result);
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers and its event loop is not stuck' })
  @ApiServiceUnavailableResponse({ description: 'The event loop was blocked for seconds' })
  async live(
    @CurrentPrincipal() principal: Principal | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<HealthCheckResult> {
    return this.shown(principal, await this.run([() => this.eventLoop.check('event_loop')], response));
  }

  /** What serving needs; `models`: the default model's endpoint (readiness) or every model's (a failing one degrades). */
  private readiness(models: 'default' | 'all'): HealthIndicatorFunction[] {
    return [
      () => this.node.check('node'),
      ...(this.config.SESSION_STORE === 'redis' ? [() => this.redis.check('redis')] : []),
      () => this.store.check('session_store'),
      () => this.llm.check('llm', models),
    ];
  }

  private async run(checks: HealthIndicatorFunction[], response: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      // Terminus reports "down" as an exception; its body is the health result, which clients expect.
      if (error instanceof ServiceUnavailableException) {
        response.status(503);
        return error.getResponse() as HealthCheckResult;
      }
      throw error;
    }
  }

  private shown(principal: Principal | undefined, result: HealthCheckResult): HealthCheckResult {
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

  /** One line when readiness changes, not one per probe: a state that lasts is not news every few seconds. */
  private noteReadiness(result: HealthCheckResult): void {
    const ready = result.status !== 'error';
    if (ready === this.ready) {
      return;
    }
    this.ready = ready;
    if (ready) {
      this.logger.log('Ready');
    } else {
      this.logger.warn(`Not ready: ${failures(result)}`);
    }
  }
}
