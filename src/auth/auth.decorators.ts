import { createParamDecorator, SetMetadata } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Socket } from 'socket.io';

import type { Principal } from './principal';

export const IS_PUBLIC = 'auth:public';
export const ACCEPTS_QUERY_TOKEN = 'auth:accepts-query-token';

/** Open without credentials (a credential that is sent still identifies the caller). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Also takes the credential as `?access_token=` (EventSource cannot set headers). */
export const AcceptsQueryToken = () => SetMetadata(ACCEPTS_QUERY_TOKEN, true);

/** What the guard leaves on an HTTP request. */
export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/** The principal of a socket.io connection, set by the gateway's handshake check. */
export const principalOfSocket = (socket: Socket): Principal | undefined =>
  (socket.data as { principal?: Principal } | undefined)?.principal;

/**
 * The caller's principal, on HTTP routes and socket.io handlers alike. Undefined only on a
 * @Public() route called without a credential.
 */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal | undefined =>
  context.getType() === 'ws'
    ? principalOfSocket(context.switchToWs().getClient<Socket>())
    : context.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);
