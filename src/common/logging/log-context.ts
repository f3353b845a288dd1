import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written during a turn carries. */
export interface LogContext {
  session_id: string;
  turn_id?: string;
}

const context = new AsyncLocalStorage<LogContext>();

/** Runs `work` so that every line it logs (in any module, across awaits) carries `fields`. */
export function withLogContext<T>(fields: LogContext, work: () => T): T {
  return context.run(fields, work);
}

/** The fields of the turn being run, if any. */
export function currentLogContext(): LogContext | undefined {
  return context.getStore();
}
