import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Root, Tool } from '@modelcontextprotocol/sdk/types.js';
import { mkdir } from 'node:fs/promises';

import { McpConnection } from './mcp-connection';
import type { McpServerConfig } from './mcp-config';
import type { ProcessBudget } from './mcp-process-budget';
import type { CatalogListing, McpServerBoard, PromptInfo, ResourceTemplateInfo } from './mcp-server-board';
import { expandForSession } from './mcp-session-clients';
import type { SessionPlaces } from './mcp-session-clients';
import type { SupervisedClient } from './supervised-client';

// Pages of prompts or resource templates read per server at most: the catalog is for browsing.
const MAX_PAGES = 10;

export interface DiscoveryOptions {
  board: McpServerBoard;
  budget: ProcessBudget;
  startTimeoutMs: number;
  /** What a discovery client's server sees: no one's files when users are kept apart. */
  roots: Root[];
  /** What a session-scoped config is filled in with: folders of discovery's own. */
  places: SessionPlaces;
  /** The one client of a shared server (it stays up: every session uses it). */
  shared: (config: McpServerConfig) => SupervisedClient;
  /** A pre-started client of the server, when the pool keeps some: listed through, and left there. */
  pooled: (config: McpServerConfig) => Promise<McpConnection | undefined>;
  /** Aborted at shutdown. */
  signal: AbortSignal;
}

/**
 * The catalog before the first turn: each enabled server's tools, prompts and resource templates,
 * listed once at start-up in the background, within MCP_START_TIMEOUT_MS. A session-scoped server
 * is listed through a pre-started client when the pool keeps some, otherwise through a client of
 * its own, closed once listed; a shared one is started, as every session will use it. A server that fails shows its error, and start-up never waits for any of it.
 */
export class McpDiscovery {
  constructor(private readonly options: DiscoveryOptions) {}

  async run(servers: readonly McpServerConfig[]): Promise<void> {
    await Promise.all(servers.map((server) => this.discover(server)));
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
    return { timeoutMs, signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.options.signal]) };
  }

  private async viaShared(config: McpServerConfig): Promise<CatalogListing> {
    const client = this.options.shared(config);
    const sdk = await client.sdk(this.start());
    return list(sdk, client.tools, this.options.startTimeoutMs);
  }

  private async viaOwnClient(config: McpServerConfig): Promise<CatalogListing> {
    const pooled = await this.options.pooled(config);
    if (pooled?.alive) {
      return list(pooled.sdk, pooled.tools, this.options.startTimeoutMs);
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
      const connection = await McpConnection.open(expanded, 'catalog discovery', this.options.roots, this.start());
      try {
        return await list(connection.sdk, connection.tools, this.options.startTimeoutMs);
      } finally {
        await connection.close();
      }
    } finally {
      // Closed by now (a stdio close resolves once the process has exited), or never started.
      slot?.release();
    }
  }
}

/** The server's prompts and resource templates (when it offers them), beside the tools it listed. */
async function list(sdk: Client, tools: Tool[], timeout: number): Promise<CatalogListing> {
  const capabilities = sdk.getServerCapabilities() ?? {};
  const prompts = capabilities.prompts
    ? await pages(async (cursor) => {
        const page = await sdk.listPrompts(cursor ? { cursor } : undefined, { timeout });
        return { items: page.prompts.map(promptInfo), next: page.nextCursor };
      })
    : [];
  const resourceTemplates = capabilities.resources
    ? await pages(async (cursor) => {
        const page = await sdk.listResourceTemplates(cursor ? { cursor } : undefined, { timeout });
        return { items: page.resourceTemplates.map(templateInfo), next: page.nextCursor };
      })
    : [];
  return { tools, prompts, resourceTemplates };
}

async function pages<T>(read: (cursor?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await read(cursor);
    items.push(...result.items);
    cursor = result.next;
    if (!cursor) {
      break;
    }
  }
  return items;
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
