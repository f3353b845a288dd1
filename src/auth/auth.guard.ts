import { Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Socket } from 'socket.io';

import { AppException } from '../common/errors';
import { ErrorCode } from '../contract/error-code';
import { ACCEPTS_QUERY_TOKEN, IS_PUBLIC, principalOfSocket } from './auth.decorators';
import type { AuthenticatedRequest } from './auth.decorators';
import { AuthService } from './auth.service';
import { bearerCredential, queryCredential } from './credentials';

/**
 * The one global guard (APP_GUARD): every HTTP route needs a credential unless @Public(), and every
 * socket.io event needs a connection whose handshake was authenticated and whose token has not expired.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() === 'ws') {
      const principal = principalOfSocket(context.switchToWs().getClient<Socket>());
      if (!principal) {
        throw new AppException(ErrorCode.UNAUTHORIZED, 'This connection is not authenticated');
      }
      if (principal.expiresAt !== undefined && principal.expiresAt <= Date.now()) {
        throw new AppException(ErrorCode.UNAUTHORIZED, 'The token has expired; reconnect with a new one');
      }
      return true;
    }
    if (context.getType() !== 'http') {
      return true;
    }
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const credential =
      bearerCredential(request.headers.authorization) ??
      (this.reflector.getAllAndOverride<boolean>(ACCEPTS_QUERY_TOKEN, targets)
        ? queryCredential(request.query.access_token)
        : undefined);
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      // Open to all; a valid credential still says who calls (e.g. an administrator reading /health).
      request.principal = await this.auth.authenticate(credential).catch(() => undefined);
      return true;
    }
    request.principal = await this.auth.authenticate(credential);
    return true;
  }
}
