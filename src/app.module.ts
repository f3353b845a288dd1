import { Module } from '@nestjs/common';
import type { DynamicModule, MiddlewareConsumer, NestModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';

import { AccountModule } from './account/account.module';
import { ArtifactsModule } from './artifacts/artifacts.module';
import { AuthModule } from './auth/auth.module';
import { ChatModule } from './chat/chat.module';
import { HttpExceptionFilter } from './common/filters/http-exception.filter';
import { LoggingModule } from './common/logging/logging.module';
import { RequireJsonMiddleware } from './common/require-json.middleware';
import { createValidationPipe } from './common/validation';
import { APP_CONFIG, appConfig } from './config/app-config';
import { HealthModule } from './health/health.module';
import { McpModule } from './mcp/mcp.module';
import { MetricsModule } from './metrics/metrics.module';
import { PmcModule } from './pmc/pmc.module';
import { ReactModule } from './react/react.module';
import { RedisModule } from './redis/redis.module';
import { SessionStoreModule } from './session-store/session-store.module';
import { SessionsModule } from './sessions/sessions.module';
import { TurnsModule } from './turns/turns.module';

@Module({})
export class AppModule implements NestModule {
  /** Settings come from the environment; overrides (tests, benchmarks) win over it. */
  static forRoot(overrides: Record<string, string> = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [appConfig(overrides)] }),
        LoggingModule,
        ScheduleModule.forRoot(),
        AuthModule,
        MetricsModule,
        RedisModule,
        SessionStoreModule,
        TurnsModule,
        SessionsModule,
        ArtifactsModule,
        McpModule,
        ReactModule,
        ChatModule,
        AccountModule,
        HealthModule,
        PmcModule,
      ],
      providers: [
        // Global: validates HTTP bodies and socket.io payloads alike.
        { provide: APP_PIPE, useFactory: createValidationPipe, inject: [APP_CONFIG] },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequireJsonMiddleware).forRoutes('*path');
  }
}
