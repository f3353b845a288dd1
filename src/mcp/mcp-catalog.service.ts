import { Injectable } from '@nestjs/common';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode as McpErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

import type { Principal } from '../auth/principal';
import { AppException, ErrorCode } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { McpService } from './mcp.service';

// MCP's "resource not found" (the specification's -32002), and invalid params.
const RESOURCE_NOT_FOUND = -32002;
const CALLER_ERRORS = new Set<number>([McpErrorCode.InvalidParams, RESOURCE_NOT_FOUND]);

/** Resources and prompts of a server, read through the client a session (or every session) uses. */
@Injectable()
export class McpCatalogService {
  constructor(
    private readonly mcp: McpService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  listResources(principal: Principal, server: string, sessionId?: string, cursor?: string) {
    return this.request(principal, server, sessionId, 'resources', (client) =>
      client.listResources(cursor ? { cursor } : undefined),
    );
  }

  listResourceTemplates(principal: Principal, server: string, sessionId?: string, cursor?: string) {
    return this.request(principal, server, sessionId, 'resource templates', (client) =>
      client.listResourceTemplates(cursor ? { cursor } : undefined),
    );
  }

  readResource(principal: Principal, server: string, uri: string, sessionId?: string) {
    return this.request(principal, server, sessionId, `resource ${uri}`, (client) => client.readResource({ uri }));
  }

  listPrompts(principal: Principal, server: string, sessionId?: string, cursor?: string) {
    return this.request(principal, server, sessionId, 'prompts', (client) =>
      client.listPrompts(cursor ? { cursor } : undefined),
    );
  }

  getPrompt(principal: Principal, server: string, name: string, args: Record<string, string>, sessionId?: string) {
    return this.request(principal, server, sessionId, `prompt ${name}`, (client) =>
      client.getPrompt({ name, arguments: args }),
    );
  }

  private async request<T>(
    principal: Principal,
    server: string,
    sessionId: string | undefined,
    what: string,
    run: (client: Client) => Promise<T>,
  ) {
    const read = async (sdk: () => Promise<Client>) => {
      const client = await this.started(server, sdk);
      try {
        return await run(client);
      } catch (error) {
        if (error instanceof McpError && error.code === (McpErrorCode.MethodNotFound as number)) {
          throw new AppException(ErrorCode.NOT_FOUND, `MCP server "${server}" does not offer ${what}`);
        }
        // What the caller asked for is wrong (an unknown name or URI, bad arguments): theirs to fix, not a failure upstream.
        if (error instanceof McpError && CALLER_ERRORS.has(error.code)) {
          throw new AppException(
            error.code === RESOURCE_NOT_FOUND ? ErrorCode.NOT_FOUND : ErrorCode.VALIDATION_FAILED,
            `MCP server "${server}" refused ${what}: ${error.message}`,
          );
        }
        throw new AppException(
          ErrorCode.MCP_REQUEST_FAILED,
          `MCP server "${server}" failed to give ${what}: ${(error as Error).message}`,
        );
      }
    };
    const config = this.mcp.serverConfig(server);
    if (config.disabled) {
      throw new AppException(ErrorCode.NOT_FOUND, `MCP server "${server}" is disabled in the MCP config`);
    }
    const start = {
      timeoutMs: this.config.MCP_START_TIMEOUT_MS,
      signal: AbortSignal.timeout(this.config.MCP_START_TIMEOUT_MS),
    };
    if (config.scope === 'shared') {
      return read(() => this.mcp.sharedClient(server).sdk(start));
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

  /** The server's SDK client once started; a start that fails is MCP_SERVER_FAILED. */
  private async started(server: string, sdk: () => Promise<Client>): Promise<Client> {
    try {
      return await sdk();
    } catch (error) {
      if (error instanceof AppException) {
        throw error;
      }
      throw new AppException(
        ErrorCode.MCP_SERVER_FAILED,
        `MCP server "${server}" is not available: ${(error as Error).message}`,
      );
    }
  }
}
