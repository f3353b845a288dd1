import { Global, Module } from '@nestjs/common';

import { MetricsRegistry } from './metrics-registry';
import { MetricsController } from './metrics.controller';

/** The app's Prometheus registry, for every module's `*.metrics.ts`, and GET /metrics. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsRegistry],
  exports: [MetricsRegistry],
})
export class MetricsModule {}
