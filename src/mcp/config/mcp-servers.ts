import { Inject, Injectable } from '@nestjs/common';

import { AppException } from '../../common/errors';
import { InjectAppConfig } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { ErrorCode } from '../../contract/error-code';
import { MCP_CONFIG } from './mcp-config';
import type { LoadedMcpConfig, McpServerConfig, RemoteServerConfig } from './mcp-config';

/** The configured servers as the MCP layer uses them: approval modes resolved, the enabled ones, lookups by name. */
@Injectable()
export class McpServers {
  /** Every configured server, disabled ones included, in the config's order. */
  readonly all: readonly McpServerConfig[];
  /** The servers sessions get (disabled ones are listed, never started). */
  readonly enabled: readonly McpServerConfig[];
  /** The file read, or "default" for the bundled servers. */
  readonly source: string;

  constructor(@Inject(MCP_CONFIG) config: LoadedMcpConfig, @InjectAppConfig() app: AppConfig) {
    // Servers that do not say how their calls are approved follow MCP_APPROVAL_DEFAULT.
    this.all = config.servers.map((server) => ({
      ...server,
      requireApproval: server.requireApproval ?? app.MCP_APPROVAL_DEFAULT,
    }));
    this.enabled = this.all.filter((server) => !server.disabled);
    this.source = config.source;
  }

  /** A configured server (disabled ones included); NOT_FOUND for any other name. */
  byName(name: string): McpServerConfig {
    const server = this.all.find((candidate) => candidate.name === name);
    if (!server) {
      throw new AppException(ErrorCode.NOT_FOUND, `No MCP server named "${name}" is configured`);
    }
    return server;
  }

  /** Names of the enabled remote servers (those that may ask for OAuth). */
  remoteNames(): string[] {
    return this.enabled.filter((server) => server.transport !== 'stdio').map((server) => server.name);
  }

  /** A remote server's config; NOT_FOUND for any other name. */
  remote(name: string): RemoteServerConfig {
    const server = this.byName(name);
    if (server.transport === 'stdio') {
      throw new AppException(ErrorCode.NOT_FOUND, `MCP server "${name}" is not a remote server`);
    }
    return server;
  }
}
