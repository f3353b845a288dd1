import { Module } from '@nestjs/common';

import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { CHAT_MODEL, createChatModel } from './llm.factory';
import { ReactAgentService } from './react-agent.service';
import { LlmMetrics } from './react.metrics';
import { SamplerService } from './sampler.service';
import { ToolStep } from './tool-step';

@Module({
  providers: [
    { provide: CHAT_MODEL, useFactory: (config: AppConfig) => createChatModel(config), inject: [APP_CONFIG] },
    LlmMetrics,
    ReactAgentService,
    SamplerService,
    ToolStep,
  ],
  exports: [ReactAgentService, SamplerService, CHAT_MODEL],
})
export class ReactModule {}
