import { Catch, HttpException, Logger } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';

import { ErrorCode } from '../../contract/error-code';
import type { ErrorBody } from '../../contract/error-code';
import { AppException, codeOfHttpStatus, httpStatusOf } from '../errors';

/** Maps every HTTP error to `{error: {code, message}}`; unexpected ones are logged with an id. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') {
      // Gateways answer through their own filter; a global filter is consulted for them too.
      throw exception;
    }
    const response = host.switchToHttp().getResponse<Response>();
    const [status, body] = this.toResponse(exception);
    if (response.headersSent) {
      // A stream (SSE) already started: the error can only end it.
      response.end();
      return;
    }
    if (body.error.code === ErrorCode.UNAUTHORIZED) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="mcp-host"');
    }
    if (exception instanceof AppException && exception.retryAfterSeconds !== undefined) {
      response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    }
    response.status(status).json(body);
  }

  private toResponse(exception: unknown): [number, ErrorBody] {
    if (exception instanceof AppException) {
      return [httpStatusOf(exception.code), exception.toBody()];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return [status, { error: { code: codeOfHttpStatus(status), message: exception.message } }];
    }
    const errorId = randomUUID();
    this.logger.error(`Unexpected error ${errorId}`, exception instanceof Error ? exception.stack : String(exception));
    return [500, { error: { code: ErrorCode.INTERNAL, message: `Internal error (id ${errorId})` } }];
  }
}
