import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';

import { originAllowed } from '../common/origin';

/**
 * socket.io with the same CORS origins as HTTP, which a gateway decorator cannot read from config.
 * CORS headers only govern HTTP long-polling: the Origin of every handshake, WebSocket included, is
 * checked here, so a page on a foreign site cannot open a connection in its visitor's name.
 */
export class ConfiguredIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly corsOrigins: string[],
    /** Largest message a client may send (socket.io's maxHttpBufferSize). */
    private readonly maxMessageBytes: number,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    return super.createIOServer(port, {
      ...(options as ServerOptions),
      cors: { origin: this.corsOrigins, credentials: true },
      maxHttpBufferSize: this.maxMessageBytes,
      allowRequest: (request, callback) => {
        const allowed = originAllowed(request, this.corsOrigins);
        callback(allowed ? null : `ORIGIN_NOT_ALLOWED: ${request.headers.origin} is not in CORS_ORIGINS`, allowed);
      },
    }) as Server;
  }
}
