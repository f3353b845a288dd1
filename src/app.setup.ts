import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { join } from 'node:path';
import pinoHttp from 'pino-http';

import { ConfiguredIoAdapter } from './chat/io.adapter';
import { allowedHosts } from './common/host-allow-list';
import { gateHosts } from './common/host-gate';
import { AppLogger } from './common/logging/app-logger';
import { accessLogOptions } from './common/logging/pino-options';
import { securityHeaders } from './common/security-headers';
import { APP_CONFIG } from './config/app-config';
import type { AppConfig } from './config/app-config';
import { ErrorBodyDto } from './contract/error-body.dto';
import { EVENT_DATA_CLASSES, StreamEventDto } from './contract/events';

const HTTP_CONTRACT = `
With authentication on, every route but the probes (/health/live, /health/ready; /health with HEALTH_PUBLIC) and /metrics
(METRICS_TOKEN instead) needs \`Authorization: Bearer <API key or JWT>\`;
a missing or bad one answers 401 UNAUTHORIZED. Sessions belong to their creator: another caller's session answers 404 SESSION_NOT_FOUND.
Every POST must send \`Content-Type: application/json\`, even without a body (415 UNSUPPORTED_MEDIA_TYPE otherwise).
List routes take \`limit\` (1 to 200, default 50) and the \`cursor\` a page gave as \`next_cursor\`.`;

const SOCKET_IO_CONTRACT = `
**socket.io**, namespace \`/chat\`, credential in the handshake: \`io('/chat', {auth: {token}})\` (refused with a connect_error
saying why). Client emits (with an ack): \`join_chat {session_id?, last_event_id?}\` →
\`{session_id, status, messages, next_before}\`; \`chat_message {session_id, content}\` → \`{session_id, turn_id}\`;
\`leave_chat {session_id}\`; \`cancel {session_id}\` → \`{session_id, cancelled}\`;
\`elicitation_response {session_id, elicitation_id, action, content?}\` → \`{session_id, elicitation_id, action}\`;
\`approval_response {session_id, approval_id, approved, reason?}\` → \`{session_id, approval_id, approved}\`. A failed call acks
\`{error: {code, message}}\` (SERVER_DRAINING while the node shuts down), and an unknown event acks UNKNOWN_EVENT. The server emits every event type below as a socket.io event of that name, with the
StreamEventDto envelope, plus \`heartbeat {ts}\` every HEARTBEAT_MS.`;

/** Express takes a hop count, a boolean, or addresses and names such as "loopback". */
function trustProxyValue(setting: string): boolean | number | string {
  if (setting === 'true' || setting === 'false') {
    return setting === 'true';
  }
  return /^\d+$/.test(setting) ? Number(setting) : setting;
}

/** Everything main.ts and the end-to-end tests both need: one setup, so tests run the real app. */
export function configureApp(app: NestExpressApplication): AppConfig {
  const config = app.get<AppConfig>(APP_CONFIG);
  const logger = app.get(AppLogger);
  app.useLogger(logger);
  // First of all: a request for a name this server does not answer goes no further (DNS rebinding).
  const hosts = allowedHosts(config);
  if (hosts) {
    gateHosts(app.getHttpServer(), hosts, new Logger('Hosts'));
  }
  app.use(pinoHttp(accessLogOptions(logger.pino)));
  app.enableCors({ origin: config.CORS_ORIGINS, credentials: true });
  if (config.TRUST_PROXY) {
    app.set('trust proxy', trustProxyValue(config.TRUST_PROXY));
  }
  app.use(securityHeaders(config.PUBLIC_URL));
  app.useBodyParser('json', { limit: config.MAX_BODY_BYTES });
  // PMCChat: plain files, served as they are (from src/ and from dist/ alike, one level down).
  app.useStaticAssets(join(__dirname, '..', 'public', 'pmc'), { prefix: '/pmc' });
  app.useWebSocketAdapter(new ConfiguredIoAdapter(app, config.CORS_ORIGINS, config.MAX_BODY_BYTES));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('MCP host server')
      .setDescription(`Chat sessions with a ReAct agent over MCP tools.\n${HTTP_CONTRACT}\n${SOCKET_IO_CONTRACT}`)
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (AUTH_API_KEYS) or a JWT' })
      .build(),
    { extraModels: [StreamEventDto, ErrorBodyDto, ...Object.values(EVENT_DATA_CLASSES)] },
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  return config;
}
