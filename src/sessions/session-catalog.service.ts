import { Injectable } from '@nestjs/common';

import type { Principal } from '../auth/principal';
import { AppException } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ErrorCode } from '../contract/error-code';
import { McpCatalogService } from '../mcp/catalog/mcp-catalog.service';
import { McpServers } from '../mcp/config/mcp-servers';
import type { CatalogRequest, SessionSignal } from '../session-store/bus/session-bus';
import { reachSession } from '../session-store/session-access';
import { SessionStore } from '../session-store/session-store';
import { SessionWorker } from '../turns/session-worker.service';
import { TurnSignals } from '../turns/turn-signals';
import { SessionHolder } from './session-holder';

/**
 * Reads of a server's resources and prompts on any node. A shared server is read here; a
 * session-scoped one through the session's own client, so on the node that holds the session: a
 * non-holder relays the read over the bus (as view calls are) and returns the holder's answer
 * unchanged; with no live holder, this node takes the session over and reads it itself.
 */
@Injectable()
export class SessionCatalog {
  constructor(
    private readonly store: SessionStore,
    private readonly catalog: McpCatalogService,
    private readonly servers: McpServers,
    private readonly holder: SessionHolder,
    private readonly worker: SessionWorker,
    private readonly signals: TurnSignals,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  async read(principal: Principal, request: CatalogRequest, sessionId?: string): Promise<unknown> {
    if (!this.catalog.perSession(request.server)) {
      return this.catalog.shared(request);
    }
    if (!sessionId) {
      throw new AppException(
        ErrorCode.VALIDATION_FAILED,
        `session_id is required: MCP server "${request.server}" is session-scoped, so each session has its own`,
      );
    }
    // Only in the caller's own session: another principal's gets the same answer as none at all.
    const { node } = await reachSession(this.store, principal, sessionId, 'drive');
    const signal: SessionSignal = { kind: 'catalog', session_id: sessionId, request };
    // The holder may have to start the server before it can answer.
    const timeoutMs = this.config.MCP_START_TIMEOUT_MS + this.servers.byName(request.server).maxTimeoutMs;
    return this.holder.ask(
      node,
      signal,
      async () => {
        await this.worker.takeOver(sessionId);
        return this.signals.handle(signal);
      },
      timeoutMs,
    );
  }
}
