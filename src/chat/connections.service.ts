import { Injectable } from '@nestjs/common';

import { AppException, ErrorCode } from '../common/errors';
import { RateLimiter } from '../common/rate-limiter';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';

/** Counts open connections, caps SSE streams, and rate-limits messages per connection. */
@Injectable()
export class ConnectionsService {
  private sockets = 0;
  private streams = 0;
  private readonly limiter: RateLimiter;

  constructor(@InjectAppConfig() private readonly config: AppConfig) {
    this.limiter = new RateLimiter(config.RATE_LIMIT_PER_MINUTE);
  }

  socketOpened(): void {
    this.sockets++;
  }

  socketClosed(socketId: string): void {
    this.sockets--;
    this.limiter.forget(socketId);
  }

  /** Takes a stream slot, or refuses with TOO_MANY_STREAMS; call the returned function to give it back. */
  openStream(): () => void {
    if (this.streams >= this.config.SSE_MAX_CONNECTIONS) {
      throw new AppException(
        ErrorCode.TOO_MANY_STREAMS,
        `Too many SSE streams: the limit of ${this.config.SSE_MAX_CONNECTIONS} (SSE_MAX_CONNECTIONS) is reached; retry later`,
      );
    }
    this.streams++;
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.streams--;
      }
    };
  }

  /** One message from a connection: a socket id, or a client address for HTTP. */
  consumeMessage(connectionKey: string): void {
    this.limiter.consume(connectionKey);
  }

  counts() {
    return {
      socketio: this.sockets,
      sse: this.streams,
      sse_max: this.config.SSE_MAX_CONNECTIONS,
      total: this.sockets + this.streams,
    };
  }
}
