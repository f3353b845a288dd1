import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import type { DestinationStream, Level, Logger } from 'pino';
import type { Options as HttpOptions } from 'pino-http';
import pretty from 'pino-pretty';

import type { AppConfig } from '../../config/app-config';
import { loggedUrl, REDACTED, redactPaths } from './log-redaction';

/** LOG_LEVEL (Nest's names) as pino levels. */
const LEVELS: Record<AppConfig['LOG_LEVEL'], Level> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

// Probes and scrapes come every few seconds: their access lines are debug, not info.
const QUIET_PATHS = /^\/(health(\/live|\/ready)?|metrics)(\?|$)/;
const REQUEST_ID = /^[\w.:-]{1,128}$/;

// The guard sets `principal` on the request; the access line needs only its id.
type Request = IncomingMessage & { principal?: { id: string }; originalUrl?: string };

/** Whether lines are pretty (people at a terminal) or JSON (everything else). */
export function prettyLogs(config: Pick<AppConfig, 'LOG_FORMAT'>): boolean {
  return config.LOG_FORMAT === 'pretty' || (config.LOG_FORMAT === 'auto' && process.stdout.isTTY === true);
}

/** The app's one pino logger: JSON lines or pretty ones, REDACTED in place of secrets and content. */
export function createPino(config: AppConfig): Logger {
  return pino(
    {
      level: LEVELS[config.LOG_LEVEL],
      base: { node: config.NODE_ID },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths(config.LOG_CONTENT), censor: REDACTED },
    },
    destination(config),
  );
}

/**
 * The access log (pino-http): one line per request when its response ends, with who made it.
 * Nothing request-scoped is kept beyond that line (no async context: it would tax every promise).
 */
export function accessLogOptions(logger: Logger): HttpOptions {
  return {
    logger,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // What a request line shows: never its headers (credentials), nor a token in its query.
    serializers: {
      req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: loggedUrl(req.url),
        remote: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customProps: (req: Request) => (req.principal ? { principal: req.principal.id } : {}),
    // Probes stay quiet even when not ready; 503 (draining, no LLM) is a warning, a 500 an error.
    customLogLevel: (req: Request, res: ServerResponse, error?: Error) => {
      if (QUIET_PATHS.test(req.url ?? '')) {
        return 'debug';
      }
      if (res.statusCode > 500) {
        return 'warn';
      }
      return error || res.statusCode >= 500 ? 'error' : 'info';
    },
    // pino-http makes up an error (with a stack) for every 5xx; the status says as much.
    customErrorObject: (req, res, error: Error, line: Record<string, unknown>) =>
      error.message.startsWith('failed with status code') ? { ...line, err: undefined } : line,
    customSuccessMessage: (req: Request, res: ServerResponse, ms: number) =>
      `${req.method} ${loggedUrl(req.originalUrl ?? req.url)} ${res.statusCode} ${Math.round(ms)} ms`,
    customErrorMessage: (req: Request, res: ServerResponse, error: Error) =>
      `${req.method} ${loggedUrl(req.originalUrl ?? req.url)} ${res.statusCode}: ${error.message}`,
  };
}

function destination(config: AppConfig): DestinationStream {
  if (!prettyLogs(config)) {
    // Synchronous: the last lines of a shutdown are written before the process exits.
    return pino.destination({ dest: 1, sync: true });
  }
  return pretty({
    sync: true,
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,node,context,req,res,responseTime,session_id,turn_id,principal',
    messageFormat:
      '{if context}[{context}] {end}{msg}{if principal} · {principal}{end}' +
      '{if session_id} · session {session_id}{end}{if turn_id} · turn {turn_id}{end}',
  });
}
