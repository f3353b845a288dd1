import { Logger } from '@nestjs/common';
import type { Tool } from '@modelcontextprotocol/client';

import type { ClientState, ServerStatusChange } from '../client/mcp-client-host';
import { toolInfo, visibleTools } from '../client/mcp-tool';
import type { ToolInfo } from '../client/mcp-tool';
import type { SupervisedClient } from '../client/supervised-client';
import type { McpServerConfig } from '../config/mcp-config';
import type { McpMetrics } from '../mcp.metrics';

export type ServerState = 'disabled' | ClientState;

/** Where the listing made at start-up stands: pending while it runs; none for a disabled server. */
export type CatalogState = 'none' | 'pending' | 'listed' | 'failed';

export interface PromptInfo {
  name: string;
  title?: string;
  description?: string;
  arguments?: Array<{ name: string; description?: string; required?: boolean }>;
}

export interface ResourceTemplateInfo {
  uri_template: string;
  name: string;
  title?: string;
  description?: string;
  mime_type?: string;
}

/** What discovery found: the server's tools (as it lists them), prompts and resource templates. */
export interface CatalogListing {
  tools: Tool[];
  prompts: PromptInfo[];
  resourceTemplates: ResourceTemplateInfo[];
  /** The revision the listing client negotiated. */
  protocolVersion?: string;
  /** How long it stays fresh: the shortest of its lists' cache hints (2026-07-28 `ttlMs`), if each had one. */
  ttlMs?: number;
}

export interface ServerStatus {
  name: string;
  transport: McpServerConfig['transport'];
  scope: McpServerConfig['scope'];
  /** The `protocol` setting: auto, or the revision it is pinned to. */
  protocol: McpServerConfig['protocol'];
  /** The revision it speaks, once a client has connected (2025-11-25, 2026-07-28, or older). */
  protocol_version: string | null;
  /** The state of its most recent change across clients; idle until a session starts it. */
  status: ServerState;
  /** Live connections across sessions (one for a shared server). */
  connections: number;
  /** Pre-started clients waiting for new sessions. */
  prewarmed: number;
  /** Tools the model sees, after allowed_tools / blocked_tools. */
  tools: ToolInfo[];
  prompts: PromptInfo[];
  resource_templates: ResourceTemplateInfo[];
  catalog: CatalogState;
  last_error?: string;
}

interface ServerEntry {
  state: ServerState;
  /** The state before a start began, restored when the start is refused or cut short. */
  before?: ServerState;
  tools: ToolInfo[];
  prompts: PromptInfo[];
  resourceTemplates: ResourceTemplateInfo[];
  catalog: CatalogState;
  lastError?: string;
  protocolVersion?: string;
  /** Until when the start-up listing is fresh, as its server's cache hints said (epoch ms). */
  freshUntil?: number;
  clients: Set<SupervisedClient>;
}

/**
 * What is known of each configured server across its clients (one per session, or the shared one):
 * its latest state, tools and error, for listings and health. Restarts are counted here.
 */
export class McpServerBoard {
  private readonly logger = new Logger(McpServerBoard.name);
  private readonly entries: Map<string, ServerEntry>;

  constructor(
    private readonly servers: readonly McpServerConfig[],
    private readonly metrics: McpMetrics,
  ) {
    this.entries = new Map(
      servers.map((server) => [
        server.name,
        {
          state: server.disabled ? 'disabled' : 'idle',
          tools: [],
          prompts: [],
          resourceTemplates: [],
          catalog: server.disabled ? 'none' : 'pending',
          clients: new Set(),
        },
      ]),
    );
  }

  /** Every live client, of every server. */
  clients(): Set<SupervisedClient> {
    return new Set([...this.entries.values()].flatMap((entry) => [...entry.clients]));
  }

  /** In the order of the config; `prewarmed` counts a server's idle pre-started clients. */
  statuses(prewarmed: (server: string) => number): ServerStatus[] {
    return this.servers.map((server) => {
      const entry = this.entryOf(server.name);
      return {
        name: server.name,
        transport: server.transport,
        scope: server.scope,
        protocol: server.protocol,
        protocol_version: entry.protocolVersion ?? null,
        status: entry.state,
        connections: [...entry.clients].filter((client) => client.live).length,
        prewarmed: prewarmed(server.name),
        tools: entry.tools,
        prompts: entry.prompts,
        resource_templates: entry.resourceTemplates,
        catalog: entry.catalog,
        ...(entry.lastError ? { last_error: entry.lastError } : {}),
      };
    });
  }

  /** The listing discovery made before any session; later clients' tool lists replace its tools. */
  catalogued(config: McpServerConfig, listing: CatalogListing): void {
    const entry = this.entryOf(config.name);
    if (entry.clients.size === 0 || entry.tools.length === 0) {
      entry.tools = visibleTools(config, listing.tools).map(toolInfo);
    }
    entry.prompts = listing.prompts;
    entry.resourceTemplates = listing.resourceTemplates;
    entry.protocolVersion ??= listing.protocolVersion;
    entry.catalog = 'listed';
    entry.freshUntil = listing.ttlMs === undefined ? undefined : Date.now() + listing.ttlMs;
  }

  /**
   * Servers whose listing is past the freshness its cache hints gave, and that no live client
   * keeps current (a client follows the server's list changes itself).
   */
  stale(now = Date.now()): string[] {
    return [...this.entries]
      .filter(([, entry]) => entry.freshUntil !== undefined && entry.freshUntil <= now)
      .filter(([, entry]) => ![...entry.clients].some((client) => client.live))
      .map(([name]) => name);
  }

  /** Discovery failed: the error is shown; the server stays as it was (a session may still start it). */
  catalogFailed(server: string, reason: string): void {
    const entry = this.entryOf(server);
    entry.catalog = 'failed';
    entry.lastError = reason;
    this.logger.warn(`${server}: listing its tools at start-up failed: ${reason}`);
  }

  /** Whether discovery still runs for some server. */
  get cataloguing(): boolean {
    return [...this.entries.values()].some((entry) => entry.catalog === 'pending');
  }

  /** Follows a new client's changes into its server's entry. */
  track(client: SupervisedClient): SupervisedClient {
    const entry = this.entryOf(client.name);
    entry.clients.add(client);
    client.onStatus((change) => this.record(entry, client, change));
    return client;
  }

  private record(entry: ServerEntry, client: SupervisedClient, change: ServerStatusChange): void {
    if (change.state === 'closed') {
      entry.clients.delete(client);
      return;
    }
    // A start cut short or refused by the process cap leaves what was known as it was.
    if (change.state === 'idle') {
      entry.state = entry.before ?? 'idle';
      return;
    }
    if (change.state === 'starting') {
      entry.before = entry.state;
    }
    if (change.state === 'restarting' && change.attempt === 0) {
      this.metrics.restarts.inc({ server: client.name });
    }
    entry.state = change.state;
    if (change.state === 'ready') {
      entry.lastError = undefined;
      entry.tools = visibleTools(client.config, client.tools).map(toolInfo);
      entry.protocolVersion = client.protocolVersion ?? entry.protocolVersion;
    } else if (change.state === 'error' || change.state === 'down') {
      entry.lastError = change.reason;
      this.logger.warn(`${client.name}: ${change.reason}`);
    }
  }

  private entryOf(server: string): ServerEntry {
    const entry = this.entries.get(server);
    if (!entry) {
      throw new Error(`Unknown MCP server "${server}"`);
    }
    return entry;
  }
}
