import { Module } from '@nestjs/common';

import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { createModelRegistry, ModelRegistry } from './model-registry';

/** The configured models, built once from config: one registry every user of a model asks by id. */
@Module({
  providers: [
    { provide: ModelRegistry, useFactory: (config: AppConfig) => createModelRegistry(config), inject: [APP_CONFIG] },
  ],
  exports: [ModelRegistry],
})
export class ModelsModule {}
