import type { Client, Root } from '@modelcontextprotocol/client';
import { mkdir } from 'node:fs/promises';

import type { CatalogListing, McpServerBoard, PromptInfo, ResourceTemplateInfo } from '../catalog/mcp-server-board';
import type { Connector } from '../client/mcp-connect';
import { cacheTtl } from '../client/mcp-connection';
import type { McpConnection } from '../client/mcp-connection';
import type { EraVerdicts } from '../client/mcp-era';
import type { SupervisedClient } from '../client/supervised-client';
import type { McpServerConfig } from '../config/mcp-config';
import { expandForSession } from '../config/mcp-session-places';
import type { SessionPlaces } from '../config/mcp-session-places';
import type { ProcessBudget } from './mcp-process-budget';

export interface DiscoveryOptions {
  board: McpServerBoard;
  budget: ProcessBudget;
  startTimeoutMs: number;
  verdicts: EraVerdicts;
  /** What a discovery client's server sees: no one's files when users are kept apart. */
  roots: Root[];
  /** What a session-scoped config is filled in with: folders of discovery's own. */
  places: SessionPlaces;
  /** The one client of a shared server (it stays up: every session uses it). */
  shared: (config: McpServerConfig) => SupervisedClient;
  /** A pre-started client of the server, when the pool keeps some: listed through, and left there. */
  pooled: (config: McpServerConfig) => Promise<McpConnection | undefined>;
  connect: Connector;
  /** A listing past its cache hint is listed again at most this often (MCP_CATALOG_REFRESH_MIN_MS). */
  refreshMinMs: number;
}

/**
 * The catalog before the first turn: each enabled server's tools, prompts and resource templates,
 * listed once at start-up in the background, within MCP_START_TIMEOUT_MS. A session-scoped server
 * is listed through a pre-started client when the pool keeps some, otherwise through a client of
 * its own, closed once listed; a shared one is started, as every session will use it. A server that
 * fails shows its error, and start-up never waits for any of it. A listing whose server gave cache
 * hints (2026-07-28 `ttlMs`) is made again once they lapse, when the catalog is next read.
 */
export class McpDiscovery {
  /** Listings made again after their cache hint lapsed: under way, and when each last began. */
  private readonly refreshing = new Map<string, Promise<void>>();
  private readonly refreshedAt = new Map<string, number>();
  private readonly stopped = new AbortController();
  private listing?: Promise<void>;

  constructor(private readonly options: DiscoveryOptions) {}

  /** Lists the servers once: later calls return the same listing. Resolves once each is listed or has failed. */
  run(servers: readonly McpServerConfig[]): Promise<void> {
    this.listing ??= Promise.all(servers.map((server) => this.discover(server))).then(() => undefined);
    return this.listing;
  }

  /**
   * Lists these servers again in the background (their listing went stale), each at most once per
   * refreshMinMs and one listing at a time; the catalog shows the new listing once it is made.
   */
  refresh(servers: readonly McpServerConfig[]): void {
    const now = Date.now();
    for (const server of servers) {
      const last = this.refreshedAt.get(server.name);
      if (this.stopped.signal.aborted || this.refreshing.has(server.name)) {
        continue;
      }
      if (last !== undefined && now - last < this.options.refreshMinMs) {
        continue;
      }
      this.refreshedAt.set(server.name, now);
      const listing = this.discover(server).finally(() => this.refreshing.delete(server.name));
      this.refreshing.set(server.name, listing);
    }
  }

  /** At shutdown: aborts what is still listing, and resolves once nothing is. */
  async stop(): Promise<void> {
    this.stopped.abort();
    await this.listing;
    await Promise.all(this.refreshing.values());
  }

  private async discover(config: McpServerConfig): Promise<void> {
    try {
      const listing = config.scope === 'shared' ? await this.viaShared(config) : await this.viaOwnClient(config);
      this.options.board.catalogued(config, listing);
    } catch (error) {
      this.options.board.catalogFailed(config.name, (error as Error).message);
    }
  }

  private start() {
    const timeoutMs = this.options.startTimeoutMs;
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), this.stopped.signal]);
    return { timeoutMs, signal, verdicts: this.options.verdicts };
  }

  private async viaShared(config: McpServerConfig): Promise<CatalogListing> {
    const client = this.options.shared(config);
    const sdk = await client.sdk(this.start());
    // The shared client stays up and follows the server's list changes: no freshness to keep.
    return list({ sdk, tools: client.tools, protocolVersion: client.protocolVersion }, this.options.startTimeoutMs);
  }

  private async viaOwnClient(config: McpServerConfig): Promise<CatalogListing> {
    const pooled = await this.options.pooled(config);
    if (pooled?.alive) {
      return list(pooled, this.options.startTimeoutMs);
    }
    const slot = config.transport === 'stdio' ? this.options.budget.tryAcquire() : undefined;
    if (config.transport === 'stdio' && !slot) {
      throw new Error('no free MCP process place to list it (MCP_MAX_PROCESSES); a session will');
    }
    try {
      const { places } = this.options;
      await mkdir(places.sessionDir, { recursive: true });
      await mkdir(places.userDir, { recursive: true, mode: 0o700 });
      const expanded = expandForSession(config, places);
      const connection = await this.options.connect(expanded, 'catalog discovery', this.options.roots, this.start());
      try {
        return await list(connection, this.options.startTimeoutMs);
      } finally {
        await connection.close();
      }
    } finally {
      // Closed by now (a stdio close resolves once the process has exited), or never started.
      slot?.release();
    }
  }
}

/**
 * The server's prompts and resource templates (when it offers them), beside the tools it listed,
 * and how long the listing stays fresh: the shortest of the lists' cache hints, if each gave one.
 */
async function list(
  connection: Pick<McpConnection, 'sdk' | 'tools' | 'protocolVersion'> & { toolsTtlMs?: number },
  timeout: number,
): Promise<CatalogListing> {
  const { sdk } = connection;
  const capabilities = sdk.getServerCapabilities() ?? {};
  // Every page, up to the client's listMaxPages (then the listing fails rather than being cut short).
  const prompts = capabilities.prompts ? await sdk.listPrompts(undefined, { timeout }) : undefined;
  const templates = capabilities.resources ? await sdk.listResourceTemplates(undefined, { timeout }) : undefined;
  const made = [prompts, templates].filter((result) => result !== undefined);
  const ttls = [connection.toolsTtlMs, ...made.map(cacheTtl)];
  return {
    tools: connection.tools,
    prompts: (prompts?.prompts ?? []).map(promptInfo),
    resourceTemplates: (templates?.resourceTemplates ?? []).map(templateInfo),
    protocolVersion: connection.protocolVersion,
    ...(ttls.every((ttl) => ttl !== undefined) ? { ttlMs: Math.min(...(ttls as number[])) } : {}),
  };
}

type Prompt = Awaited<ReturnType<Client['listPrompts']>>['prompts'][number];
type Template = Awaited<ReturnType<Client['listResourceTemplates']>>['resourceTemplates'][number];

function promptInfo(prompt: Prompt): PromptInfo {
  return {
    name: prompt.name,
    ...(prompt.title ? { title: prompt.title } : {}),
    ...(prompt.description ? { description: prompt.description } : {}),
    ...(prompt.arguments?.length
      ? {
          arguments: prompt.arguments.map((argument) => ({
            name: argument.name,
            ...(argument.description ? { description: argument.description } : {}),
            ...(argument.required !== undefined ? { required: argument.required } : {}),
          })),
        }
      : {}),
  };
}

function templateInfo(template: Template): ResourceTemplateInfo {
  return {
    uri_template: template.uriTemplate,
    name: template.name,
    ...(template.title ? { title: template.title } : {}),
    ...(template.description ? { description: template.description } : {}),
    ...(template.mimeType ? { mime_type: template.mimeType } : {}),
  };
}
