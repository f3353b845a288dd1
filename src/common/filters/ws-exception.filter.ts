import { Catch, Logger } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io';

import { ErrorCode } from '../../contract/error-code';
import type { ErrorBody } from '../../contract/error-code';
import { AppException } from '../errors';

/** Answers a failed socket.io message through its ack as `{error: {code, message}}`. */
@Catch()
export class WsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(WsExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const body = this.toBody(exception);
    // Nest passes socket.io handlers (client, data, ack).
    const ack: unknown = host.getArgByIndex(2);
    if (typeof ack === 'function') {
      (ack as (body: ErrorBody) => void)(body);
      return;
    }
    host.switchToWs().getClient<Socket>().emit('exception', body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof AppException) {
      return exception.toBody();
    }
    if (exception instanceof WsException) {
      return { error: { code: ErrorCode.VALIDATION_FAILED, message: exception.message } };
    }
    const errorId = randomUUID();
    this.logger.error(`Unexpected error ${errorId}`, exception instanceof Error ? exception.stack : String(exception));
    return { error: { code: ErrorCode.INTERNAL, message: `Internal error (id ${errorId})` } };
  }
}
