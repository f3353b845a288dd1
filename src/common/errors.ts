import { ErrorCode } from '../contract/error-code';
import type { ErrorBody } from '../contract/error-code';

export class AppException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Seconds after which the request may succeed (HTTP Retry-After). */
    readonly retryAfterSeconds?: number,
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
    case ErrorCode.UNKNOWN_MODEL:
      return 400;
    case ErrorCode.UNAUTHORIZED:
      return 401;
    case ErrorCode.FORBIDDEN:
    case ErrorCode.ORIGIN_NOT_ALLOWED:
    case ErrorCode.OAUTH_STATE_MISMATCH:
      return 403;
    case ErrorCode.UNKNOWN_EVENT:
    case ErrorCode.NOT_FOUND:
    case ErrorCode.SESSION_NOT_FOUND:
      return 404;
    case ErrorCode.PAYLOAD_TOO_LARGE:
      return 413;
    case ErrorCode.HOST_NOT_ALLOWED:
      return 421;
    case ErrorCode.UNSUPPORTED_MEDIA_TYPE:
      return 415;
    case ErrorCode.SESSION_BUSY:
    case ErrorCode.RATE_LIMITED:
    case ErrorCode.QUOTA_EXCEEDED:
      return 429;
    case ErrorCode.TURN_CANCELLED:
    case ErrorCode.SESSION_ENDED:
    case ErrorCode.TOOL_NOT_AVAILABLE:
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
