import { Injectable } from '@nestjs/common';
import type { Client } from '@modelcontextprotocol/client';
import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError } from '@modelcontextprotocol/client';

import { AppException } from '../../common/errors';
import { InjectAppConfig } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { ErrorCode } from '../../contract/error-code';
import type { CatalogRequest } from '../../session-store/bus/session-bus';
import { available } from '../client/mcp-available';
import { McpClientFactory } from '../client/mcp-client-factory';
import type { McpStartOptions } from '../client/mcp-connect';
import { McpServers } from '../config/mcp-servers';
import type { McpSessionClients } from '../mcp-session-clients';

// Invalid params, and "resource not found" as servers before the 2026-07-28 revision answer it.
const CALLER_ERRORS = new Set<number>([ProtocolErrorCode.InvalidParams, ProtocolErrorCode.ResourceNotFound]);

/**
 * Resources and prompts of a server, read through the client a session (or every session) uses: a
 * shared server's here, a session-scoped one's on the node that holds the session.
 */
@Injectable()
export class McpCatalogService {
  constructor(
    private readonly servers: McpServers,
    private readonly clients: McpClientFactory,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /** Whether the server's reads go through a session's own client; NOT_FOUND for an unknown or disabled one. */
  perSession(server: string): boolean {
    const config = this.servers.byName(server);
    if (config.disabled) {
      throw new AppException(ErrorCode.NOT_FOUND, `MCP server "${server}" is disabled in the MCP config`);
    }
    return config.scope !== 'shared';
  }

  /** A read through the shared server's one client. */
  shared(request: CatalogRequest): Promise<unknown> {
    const config = this.servers.byName(request.server);
    return this.read(request, () => this.clients.sharedClient(config).sdk(this.start()));
  }

  /** A read through a session's own client, on the node that holds the session (it may start the server). */
  forSession(clients: McpSessionClients, request: CatalogRequest): Promise<unknown> {
    // In use for the whole read: the process cap does not close the session's client under it.
    return clients.use(() => this.read(request, () => clients.client(request.server).sdk(this.start())));
  }

  private start(): McpStartOptions {
    const timeoutMs = this.config.MCP_START_TIMEOUT_MS;
    return { timeoutMs, signal: AbortSignal.timeout(timeoutMs) };
  }

  private async read(request: CatalogRequest, sdk: () => Promise<Client>): Promise<unknown> {
    const { server } = request;
    const { feature, what, run } = describe(request);
    const client = await available(server, sdk);
    // Asked of a server that does not declare the feature, the SDK would answer an empty list.
    if (!client.getServerCapabilities()?.[feature]) {
      throw new AppException(ErrorCode.NOT_FOUND, `MCP server "${server}" does not offer ${what}`);
    }
    try {
      return await run(client);
    } catch (error) {
      if (error instanceof ProtocolError && error.code === (ProtocolErrorCode.MethodNotFound as number)) {
        throw new AppException(ErrorCode.NOT_FOUND, `MCP server "${server}" does not offer ${what}`);
      }
      // What the caller asked for is wrong (an unknown name or URI, bad arguments): theirs to fix, not a failure upstream.
      if (error instanceof ProtocolError && CALLER_ERRORS.has(error.code)) {
        // The SDK recognizes a missing resource in either era's form (-32002, or -32602 naming the URI).
        const missing =
          error instanceof ResourceNotFoundError || error.code === (ProtocolErrorCode.ResourceNotFound as number);
        throw new AppException(
          missing ? ErrorCode.NOT_FOUND : ErrorCode.VALIDATION_FAILED,
          `MCP server "${server}" refused ${what}: ${error.message}`,
        );
      }
      throw new AppException(
        ErrorCode.MCP_REQUEST_FAILED,
        `MCP server "${server}" failed to give ${what}: ${(error as Error).message}`,
      );
    }
  }
}

/** What a request reads, in words for its errors, and the SDK call that reads it. */
function describe(request: CatalogRequest): {
  feature: 'resources' | 'prompts';
  what: string;
  run: (client: Client) => Promise<unknown>;
} {
  const page = (cursor?: string) => (cursor ? { cursor } : undefined);
  switch (request.op) {
    case 'resources/list':
      return { feature: 'resources', what: 'resources', run: (client) => client.listResources(page(request.cursor)) };
    case 'resources/templates/list':
      return {
        feature: 'resources',
        what: 'resource templates',
        run: (client) => client.listResourceTemplates(page(request.cursor)),
      };
    case 'resources/read':
      return {
        feature: 'resources',
        what: `resource ${request.uri}`,
        run: (client) => client.readResource({ uri: request.uri }),
      };
    case 'prompts/list':
      return { feature: 'prompts', what: 'prompts', run: (client) => client.listPrompts(page(request.cursor)) };
    case 'prompts/get':
      return {
        feature: 'prompts',
        what: `prompt ${request.name}`,
        run: (client) => client.getPrompt({ name: request.name, arguments: request.arguments }),
      };
  }
}
