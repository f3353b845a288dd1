import type { LoggerService } from '@nestjs/common';

// Nest's own start-up narration (modules, routes, gateway subscriptions): debug, so that start-up
// ends with the few lines a newcomer can act on.
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'WebSocketsController',
  'NestApplication',
]);

/** The app's logger (nestjs-pino's), with Nest's framework chatter moved from info to debug. */
export class AppLogger implements LoggerService {
  constructor(private readonly pino: LoggerService) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = params[params.length - 1];
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) {
      this.pino.debug?.(message, ...params);
      return;
    }
    this.pino.log(message, ...params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.pino.error(message, ...params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.pino.warn(message, ...params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.pino.debug?.(message, ...params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.pino.verbose?.(message, ...params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.pino.fatal?.(message, ...params);
  }
}
