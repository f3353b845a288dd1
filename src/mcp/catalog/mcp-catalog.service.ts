import { Injectable } from '@nestjs/common';
import type { Client } from '@modelcontextprotocol/client';
import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError } from '@modelcontextprotocol/client';

import type { Principal } from '../../auth/principal';
import { AppException } from '../../common/errors';
import { InjectAppConfig } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { ErrorCode } from '../../contract/error-code';
import { available } from '../client/mcp-available';
import { McpClientFactory } from '../client/mcp-client-factory';
import { McpServers } from '../config/mcp-servers';
import { McpService } from '../mcp.service';

// Invalid params, and "resource not found" as servers before the 2026-07-28 revision answer it.
const CALLER_ERRORS = new Set<number>([ProtocolErrorCode.InvalidParams, ProtocolErrorCode.ResourceNotFound]);

/** Resources and prompts of a server, read through the client a session (or every session) uses. */
@Injectable()
export class McpCatalogService {
  constructor(
    private readonly mcp: McpService,
    private readonly servers: McpServers,
    private readonly clients: McpClientFactory,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  listResources(principal: Principal, server: string, sessionId?: string, cursor?: string) {
    return this.request(principal, server, sessionId, 'resources', 'resources', (client) =>
      client.listResources(cursor ? { cursor } : undefined),
    );
  }

  listResourceTemplates(principal: Principal, server: string, sessionId?: string, cursor?: string) {
    return this.request(principal, server, sessionId, 'resources', 'resource templates', (client) =>
      client.listResourceTemplates(cursor ? { cursor } : undefined),
    );
  }

  readResource(principal: Principal, server: string, uri: string, sessionId?: string) {
    return this.request(principal, server, sessionId, 'resources', `resource ${uri}`, (client) =>
      client.readResource({ uri }),
    );
  }

  listPrompts(principal: Principal, server: string, sessionId?: string, cursor?: string) {
    return this.request(principal, server, sessionId, 'prompts', 'prompts', (client) =>
      client.listPrompts(cursor ? { cursor } : undefined),
    );
  }

  getPrompt(principal: Principal, server: string, name: string, args: Record<string, string>, sessionId?: string) {
    return this.request(principal, server, sessionId, 'prompts', `prompt ${name}`, (client) =>
      client.getPrompt({ name, arguments: args }),
    );
  }

  private async request<T>(
    principal: Principal,
    server: string,
    sessionId: string | undefined,
    feature: 'resources' | 'prompts',
    what: string,
    run: (client: Client) => Promise<T>,
  ) {
    const read = async (sdk: () => Promise<Client>) => {
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
    };
    const config = this.servers.byName(server);
    if (config.disabled) {
      throw new AppException(ErrorCode.NOT_FOUND, `MCP server "${server}" is disabled in the MCP config`);
    }
    const start = {
      timeoutMs: this.config.MCP_START_TIMEOUT_MS,
      signal: AbortSignal.timeout(this.config.MCP_START_TIMEOUT_MS),
    };
    if (config.scope === 'shared') {
      return read(() => this.clients.sharedClient(config).sdk(start));
    }
    if (!sessionId) {
      throw new AppException(
        ErrorCode.VALIDATION_FAILED,
        `session_id is required: MCP server "${server}" is session-scoped, so each session has its own`,
      );
    }
    // In use for the whole read: the process cap does not close the session's client under it.
    // Only in the caller's own session: another principal's gets the same answer as none at all.
    const clients = this.mcp.clientsOf(sessionId, principal.id);
    return clients.use(() => read(() => clients.client(server).sdk(start)));
  }
}
