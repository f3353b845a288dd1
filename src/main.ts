import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';

import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { shutdownOnSignals } from './app.shutdown';
import { startupSummary } from './app.summary';
import { startTracing } from './app.tracing';
import { validateEnvironment } from './config/validate-environment';

async function bootstrap(): Promise<void> {
  // Before the app: its spans (turns, model requests, tool calls) have a pipeline from the first one.
  const tracing = startTracing(validateEnvironment(process.env));
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), {
    bufferLogs: true,
    // Start-up errors reach the catch below, which prints just the message.
    abortOnError: false,
    forceCloseConnections: true,
  });
  const config = configureApp(app);
  shutdownOnSignals(app, config, tracing);
  const logger = new Logger('Startup');
  // Before serving: what is served, to whom, and what to set next.
  for (const line of startupSummary(app, config, tracing)) {
    logger.log(line);
  }
  await app.listen(config.PORT, config.HOST);
  logger.log(`Listening on http://${config.HOST}:${config.PORT}`);
}

bootstrap().catch((error: unknown) => {
  // Bad configuration lands here: say what is wrong and stop.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
