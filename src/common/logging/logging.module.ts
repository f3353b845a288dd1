import { Global, Module } from '@nestjs/common';

import { APP_CONFIG } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { AppLogger } from './app-logger';
import { createPino } from './pino-options';

/** The app's one logger (pino), for Nest (`app.useLogger`) and the access log (`configureApp`). */
@Global()
@Module({
  providers: [
    { provide: AppLogger, useFactory: (config: AppConfig) => new AppLogger(createPino(config)), inject: [APP_CONFIG] },
  ],
  exports: [AppLogger],
})
export class LoggingModule {}
