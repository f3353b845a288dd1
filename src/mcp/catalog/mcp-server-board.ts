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

/** Who looks at the listing: a session's details are shown to its owner and to administrators only. */
export interface BoardViewer {
  id: string;
  admin: boolean;
}

/** What a server's clients saw last: its tools (after list changes) and its latest error. */
interface Seen {
  tools: ToolInfo[];
  lastError?: string;
}

interface ServerEntry {
  state: ServerState;
  /** The state before a start began, restored when the start is refused or cut short. */
  before?: ServerState;
  /** What any client saw last (administrators and health see this). */
  latest: Seen;
  /** What discovery and the shared client saw: shown to everyone. */
  open: Seen;
  /** What each principal's own session clients saw: shown to that principal. */
  seen: Map<string, Seen>;
  prompts: PromptInfo[];
  resourceTemplates: ResourceTemplateInfo[];
  catalog: CatalogState;
  protocolVersion?: string;
  /** Until when the start-up listing is fresh, as its server's cache hints said (epoch ms). */
  freshUntil?: number;
  /** Live clients, each with the principal whose session it serves (none for a shared client). */
  clients: Map<SupervisedClient, string | undefined>;
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
          latest: { tools: [] },
          open: { tools: [] },
          seen: new Map(),
          prompts: [],
          resourceTemplates: [],
          catalog: server.disabled ? 'none' : 'pending',
          clients: new Map(),
        },
      ]),
    );
  }

  /** Every live client, of every server. */
  clients(): Set<SupervisedClient> {
    return new Set([...this.entries.values()].flatMap((entry) => [...entry.clients.keys()]));
  }

  /**
   * In the order of the config; `prewarmed` counts a server's idle pre-started clients. A viewer who
   * is not an administrator sees what their own sessions' clients saw, else what everyone may see
   * (discovery, shared clients); with no viewer (health), what any client saw last.
   */
  statuses(prewarmed: (server: string) => number, viewer?: BoardViewer): ServerStatus[] {
    return this.servers.map((server) => {
      const entry = this.entryOf(server.name);
      const shown = !viewer || viewer.admin ? entry.latest : (entry.seen.get(viewer.id) ?? entry.open);
      return {
        name: server.name,
        transport: server.transport,
        scope: server.scope,
        protocol: server.protocol,
        protocol_version: entry.protocolVersion ?? null,
        status: entry.state,
        connections: [...entry.clients.keys()].filter((client) => client.live).length,
        prewarmed: prewarmed(server.name),
        tools: shown.tools,
        prompts: entry.prompts,
        resource_templates: entry.resourceTemplates,
        catalog: entry.catalog,
        ...(shown.lastError ? { last_error: shown.lastError } : {}),
      };
    });
  }

  /** The listing discovery made before any session; later clients' tool lists replace its tools. */
  catalogued(config: McpServerConfig, listing: CatalogListing): void {
    const entry = this.entryOf(config.name);
    const tools = visibleTools(config, listing.tools).map(toolInfo);
    entry.open.tools = tools;
    if (entry.clients.size === 0 || entry.latest.tools.length === 0) {
      entry.latest.tools = tools;
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
      .filter(([, entry]) => ![...entry.clients.keys()].some((client) => client.live))
      .map(([name]) => name);
  }

  /** Discovery failed: the error is shown; the server stays as it was (a session may still start it). */
  catalogFailed(server: string, reason: string): void {
    const entry = this.entryOf(server);
    entry.catalog = 'failed';
    entry.latest.lastError = reason;
    entry.open.lastError = reason;
    this.logger.warn(`${server}: listing its tools at start-up failed: ${reason}`);
  }

  /** Whether discovery still runs for some server. */
  get cataloguing(): boolean {
    return [...this.entries.values()].some((entry) => entry.catalog === 'pending');
  }

  /** Follows a new client's changes into its server's entry; `principal`: whose session it serves. */
  track(client: SupervisedClient, principal?: string): SupervisedClient {
    const entry = this.entryOf(client.name);
    entry.clients.set(client, principal);
    client.onStatus((change) => this.record(entry, client, change));
    return client;
  }

  private record(entry: ServerEntry, client: SupervisedClient, change: ServerStatusChange): void {
    const principal = entry.clients.get(client);
    if (change.state === 'closed') {
      entry.clients.delete(client);
      // What a principal's sessions saw goes with the last of their clients.
      if (principal !== undefined && ![...entry.clients.values()].includes(principal)) {
        entry.seen.delete(principal);
      }
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
    const views = [entry.latest, principal === undefined ? entry.open : this.seenBy(entry, principal)];
    if (change.state === 'ready') {
      const tools = visibleTools(client.config, client.tools).map(toolInfo);
      views.forEach((view) => Object.assign(view, { tools, lastError: undefined }));
      entry.protocolVersion = client.protocolVersion ?? entry.protocolVersion;
    } else if (change.state === 'error' || change.state === 'down') {
      views.forEach((view) => (view.lastError = change.reason));
      this.logger.warn(`${client.name}: ${change.reason}`);
    }
  }

  /** What the principal's sessions saw of the server, starting from what everyone sees. */
  private seenBy(entry: ServerEntry, principal: string): Seen {
    let seen = entry.seen.get(principal);
    if (!seen) {
      seen = { tools: entry.open.tools };
      entry.seen.set(principal, seen);
    }
    return seen;
  }

  private entryOf(server: string): ServerEntry {
    const entry = this.entries.get(server);
    if (!entry) {
      throw new Error(`Unknown MCP server "${server}"`);
    }
    return entry;
  }
}
