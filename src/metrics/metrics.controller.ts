import { Controller, Get, Header, Headers } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { createHash, timingSafeEqual } from 'node:crypto';
import { prometheusContentType } from 'prom-client';

import { Public } from '../auth/auth.decorators';
import { AppException } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ErrorBodyDto } from '../contract/error-body.dto';
import { ErrorCode } from '../contract/error-code';
import { MetricsRegistry } from './metrics-registry';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Prometheus scrapes this node here; with METRICS_TOKEN set, only with that bearer token. */
@ApiTags('operations')
@ApiBearerAuth()
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly token?: Buffer;

  constructor(
    private readonly registry: MetricsRegistry,
    @InjectAppConfig() config: AppConfig,
  ) {
    this.token = config.METRICS_TOKEN ? digest(config.METRICS_TOKEN) : undefined;
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  @Header('Content-Type', prometheusContentType)
  @ApiOperation({
    summary: 'Prometheus metrics of this node (text format)',
    description: 'Open unless METRICS_TOKEN is set; then `Authorization: Bearer <METRICS_TOKEN>` is required.',
  })
  @ApiOkResponse({ description: 'Prometheus text exposition format', content: { 'text/plain': {} } })
  @ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'METRICS_TOKEN is set and was not given' })
  async metrics(@Headers('authorization') authorization?: string): Promise<string> {
    if (this.token) {
      const given = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
      // Compared as digests: constant time whatever the length given.
      if (!given || !timingSafeEqual(digest(given), this.token)) {
        throw new AppException(ErrorCode.UNAUTHORIZED, 'GET /metrics needs the METRICS_TOKEN as a bearer token');
      }
    }
    return this.registry.metrics();
  }
}
