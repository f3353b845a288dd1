import { Logger } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';

import type { Tracing } from './app.tracing';
import type { AppConfig } from './config/app-config';
import { SessionDrain } from './turns/session-drain.service';

// After the drain, closing (sessions handed over or ended, streams flushed, MCP children stopped)
// gets this long; past it the process exits anyway, with code 1.
const CLOSE_LIMIT_MS = 30_000;

/**
 * SIGTERM or SIGINT: drain (no new turns, not ready; running turns get DRAIN_TIMEOUT_MS), close the
 * app, flush the spans, exit 0. A second signal cuts the drain short: what still runs is cancelled at once.
 */
export function shutdownOnSignals(app: INestApplication, config: AppConfig, tracing?: Tracing): void {
  const logger = new Logger('Shutdown');
  const force = new AbortController();
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) {
      logger.warn(`${signal} again: running turns are cancelled now`);
      force.abort();
      return;
    }
    started = true;
    logger.log(`${signal}: draining (no new turns; running ones get up to ${config.DRAIN_TIMEOUT_MS} ms)`);
    void stop(app, config, force.signal, logger, tracing);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function stop(
  app: INestApplication,
  config: AppConfig,
  force: AbortSignal,
  logger: Logger,
  tracing?: Tracing,
): Promise<void> {
  try {
    await app.get(SessionDrain).drain(config.DRAIN_TIMEOUT_MS, force);
    setTimeout(() => {
      logger.error(`Closing took longer than ${CLOSE_LIMIT_MS} ms; exiting anyway`);
      process.exit(1);
    }, CLOSE_LIMIT_MS).unref();
    await app.close();
    // The drained turns' spans go out last (within a few seconds, collector or not).
    await tracing?.shutdown();
    logger.log('Stopped');
    process.exit(0);
  } catch (error) {
    logger.error(`Shutdown failed: ${(error as Error).message}`, (error as Error).stack);
    process.exit(1);
  }
}
