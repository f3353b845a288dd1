/** Every error a client can see carries one of these codes, on every transport. */
export enum ErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  UNAUTHORIZED = 'UNAUTHORIZED',
  AUTH_UNAVAILABLE = 'AUTH_UNAVAILABLE',
  FORBIDDEN = 'FORBIDDEN',
  UNKNOWN_EVENT = 'UNKNOWN_EVENT',
  ORIGIN_NOT_ALLOWED = 'ORIGIN_NOT_ALLOWED',
  NOT_FOUND = 'NOT_FOUND',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  SESSION_NOT_FOUND = 'SESSION_NOT_FOUND',
  SESSION_BUSY = 'SESSION_BUSY',
  RATE_LIMITED = 'RATE_LIMITED',
  TOO_MANY_STREAMS = 'TOO_MANY_STREAMS',
  TOO_MANY_SESSIONS = 'TOO_MANY_SESSIONS',
  LLM_NOT_CONFIGURED = 'LLM_NOT_CONFIGURED',
  LLM_ERROR = 'LLM_ERROR',
  LLM_TIMEOUT = 'LLM_TIMEOUT',
  MCP_SERVER_FAILED = 'MCP_SERVER_FAILED',
  MCP_PROCESS_LIMIT = 'MCP_PROCESS_LIMIT',
  MCP_REQUEST_FAILED = 'MCP_REQUEST_FAILED',
  TURN_CANCELLED = 'TURN_CANCELLED',
  SESSION_ENDED = 'SESSION_ENDED',
  SERVER_SHUTDOWN = 'SERVER_SHUTDOWN',
  SERVER_DRAINING = 'SERVER_DRAINING',
  TURN_INTERRUPTED = 'TURN_INTERRUPTED',
  STORE_UNAVAILABLE = 'STORE_UNAVAILABLE',
  INTERNAL = 'INTERNAL',
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export class AppException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppException';
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export const sessionNotFound = (sessionId: string): AppException =>
  new AppException(ErrorCode.SESSION_NOT_FOUND, `Session ${sessionId} not found (it may have expired)`);

export const turnCancelled = (): AppException => new AppException(ErrorCode.TURN_CANCELLED, 'The turn was cancelled');

export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.VALIDATION_FAILED:
      return 400;
    case ErrorCode.UNAUTHORIZED:
      return 401;
    case ErrorCode.FORBIDDEN:
    case ErrorCode.ORIGIN_NOT_ALLOWED:
      return 403;
    case ErrorCode.UNKNOWN_EVENT:
    case ErrorCode.NOT_FOUND:
    case ErrorCode.SESSION_NOT_FOUND:
      return 404;
    case ErrorCode.PAYLOAD_TOO_LARGE:
      return 413;
    case ErrorCode.UNSUPPORTED_MEDIA_TYPE:
      return 415;
    case ErrorCode.SESSION_BUSY:
    case ErrorCode.RATE_LIMITED:
      return 429;
    case ErrorCode.TURN_CANCELLED:
    case ErrorCode.SESSION_ENDED:
      return 409;
    case ErrorCode.LLM_ERROR:
    case ErrorCode.MCP_SERVER_FAILED:
    case ErrorCode.MCP_REQUEST_FAILED:
      return 502;
    case ErrorCode.TOO_MANY_STREAMS:
    case ErrorCode.TOO_MANY_SESSIONS:
    case ErrorCode.SERVER_SHUTDOWN:
    case ErrorCode.SERVER_DRAINING:
    case ErrorCode.TURN_INTERRUPTED:
    case ErrorCode.STORE_UNAVAILABLE:
    case ErrorCode.AUTH_UNAVAILABLE:
    case ErrorCode.LLM_NOT_CONFIGURED:
    case ErrorCode.MCP_PROCESS_LIMIT:
      return 503;
    case ErrorCode.LLM_TIMEOUT:
      return 504;
    case ErrorCode.INTERNAL:
      return 500;
  }
}

/** Codes for Nest's own HTTP errors (unknown route, body parser), so every error body has the same shape. */
export function codeOfHttpStatus(status: number): ErrorCode {
  if (status === 401) {
    return ErrorCode.UNAUTHORIZED;
  }
  if (status === 404) {
    return ErrorCode.NOT_FOUND;
  }
  if (status === 413) {
    return ErrorCode.PAYLOAD_TOO_LARGE;
  }
  if (status === 415) {
    return ErrorCode.UNSUPPORTED_MEDIA_TYPE;
  }
  if (status === 429) {
    return ErrorCode.RATE_LIMITED;
  }
  return status >= 500 ? ErrorCode.INTERNAL : ErrorCode.VALIDATION_FAILED;
}
