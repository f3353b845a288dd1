import { Module } from '@nestjs/common';

import { ModelsModule } from '../models/models.module';
import { ReactAgentService } from './react-agent.service';
import { LlmMetrics } from './react.metrics';
import { SamplerService } from './sampler.service';
import { ToolStep } from './tool-step';

@Module({
  imports: [ModelsModule],
  providers: [LlmMetrics, ReactAgentService, SamplerService, ToolStep],
  exports: [ReactAgentService, SamplerService, ModelsModule],
})
export class ReactModule {}
