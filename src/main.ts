import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';

import { AppModule } from './app.module';
import { configureApp } from './app.setup';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), {
    bufferLogs: true,
    // Start-up errors reach the catch below, which prints just the message.
    abortOnError: false,
    forceCloseConnections: true,
  });
  const config = configureApp(app);
  await app.listen(config.PORT, config.HOST);
  Logger.log(`Listening on http://${config.HOST}:${config.PORT} (Swagger UI at /api/docs)`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  // Bad configuration lands here: say what is wrong and stop.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
