import { Inject, Injectable, Optional } from '@nestjs/common';

import { InjectAppConfig } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { PrewarmPool } from '../capacity/mcp-prewarm-pool';
import { ProcessBudget } from '../capacity/mcp-process-budget';
import { McpServerBoard } from '../catalog/mcp-server-board';
import type { McpServerConfig } from '../config/mcp-config';
import { McpPlaces } from '../config/mcp-places';
import { McpOAuthService } from '../oauth/mcp-oauth.service';
import type { McpClientHost } from './mcp-client-host';
import { MCP_CONNECTOR } from './mcp-connect';
import type { Connector } from './mcp-connect';
import { EraVerdicts } from './mcp-era';
import { SupervisedClient } from './supervised-client';
import type { SupervisorOptions } from './supervised-client';

/**
 * Makes the supervised clients: one per session for a session-scoped server, and the one client of
 * a shared server, which every session gets. Each is followed by the server board.
 */
@Injectable()
export class McpClientFactory {
  private readonly shared = new Map<string, SupervisedClient>();

  constructor(
    private readonly board: McpServerBoard,
    private readonly budget: ProcessBudget,
    private readonly pool: PrewarmPool,
    private readonly verdicts: EraVerdicts,
    private readonly places: McpPlaces,
    @Inject(MCP_CONNECTOR) private readonly connect: Connector,
    @InjectAppConfig() private readonly app: AppConfig,
    @Optional() private readonly oauth?: McpOAuthService,
  ) {}

  /** The client a session gets for this server: its own, or the shared one. */
  clientFor(config: McpServerConfig, owner: McpClientHost): SupervisedClient {
    return config.scope === 'shared' ? this.sharedClient(config) : this.ownClient(config, owner);
  }

  /** The one client of a shared server, made on first use; it lives until closeShared(). */
  sharedClient(config: McpServerConfig): SupervisedClient {
    let client = this.shared.get(config.name);
    if (!client) {
      client = this.board.track(new SupervisedClient(config, this.options('all sessions', this.places.workspace)));
      this.shared.set(config.name, client);
    }
    return client;
  }

  async closeShared(): Promise<void> {
    await Promise.all([...this.shared.values()].map((client) => client.close()));
    this.shared.clear();
  }

  private ownClient(config: McpServerConfig, owner: McpClientHost): SupervisedClient {
    // A remote server that demands OAuth gets the token of the session's owner.
    const auth = config.transport !== 'stdio' ? this.oauth?.providerFor(config, owner.userId) : undefined;
    const options = { ...this.options(`session ${owner.sessionId}`, this.places.rootsFor(owner.userId)), auth };
    return this.board.track(new SupervisedClient(config, options, owner), owner.userId);
  }

  private options(label: string, roots: SupervisorOptions['roots']): SupervisorOptions {
    return {
      label,
      roots,
      budget: this.budget,
      pool: this.pool,
      startTimeoutMs: this.app.MCP_START_TIMEOUT_MS,
      maxRestarts: this.app.MCP_MAX_RESTARTS,
      restartBaseMs: this.app.MCP_RESTART_BASE_MS,
      verdicts: this.verdicts,
      connect: this.connect,
    };
  }
}
