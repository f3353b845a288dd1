import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { HealthCheckResult } from '@nestjs/terminus';

import { LlmHealthIndicator } from './indicators/llm.health';
import { McpHealthIndicator } from './indicators/mcp.health';
import { SessionStoreHealthIndicator } from './indicators/session-store.health';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly llm: LlmHealthIndicator,
    private readonly mcp: McpHealthIndicator,
    private readonly store: SessionStoreHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: session store, LLM configuration and MCP servers (503 when one is down)' })
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.store.check('session_store'),
      () => this.llm.check('llm'),
      () => this.mcp.check('mcp'),
    ]);
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }
}
