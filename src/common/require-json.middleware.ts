import { Injectable } from '@nestjs/common';
import type { NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { ErrorCode } from '../contract/error-code';
import { AppException } from './errors';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH']);

/**
 * State-changing requests must say `Content-Type: application/json`, with or without a body. A page
 * on another site can send a "simple" POST (text/plain, a form, no body) without a CORS preflight;
 * it cannot send this header without one, and the preflight fails for origins not in CORS_ORIGINS.
 * DELETE always needs a preflight.
 */
@Injectable()
export class RequireJsonMiddleware implements NestMiddleware {
  use(request: Request, _response: Response, next: NextFunction): void {
    if (STATE_CHANGING.has(request.method)) {
      const given = request.headers['content-type'];
      const mediaType = given?.split(';')[0].trim().toLowerCase();
      if (mediaType !== 'application/json') {
        throw new AppException(
          ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          `${request.method} ${request.originalUrl.split('?')[0]} takes Content-Type: application/json, even with no body (${given === undefined ? 'none was sent' : `not ${given.slice(0, 100)}`})`,
        );
      }
    }
    next();
  }
}
