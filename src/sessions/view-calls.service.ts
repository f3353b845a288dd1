import { Injectable } from '@nestjs/common';
import type { CallToolResult } from '@modelcontextprotocol/client';

import { ViewsService } from '../artifacts/views.service';
import type { Principal } from '../auth/principal';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { McpServers } from '../mcp/config/mcp-servers';
import { SessionsService } from './sessions.service';

/** A tool call from an MCP Apps view, sent to the node that holds its session (ViewCallRunner runs it there). */
@Injectable()
export class ViewCallsService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly views: ViewsService,
    private readonly servers: McpServers,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  async call(
    principal: Principal,
    sessionId: string,
    viewId: string,
    tool: string,
    args: Record<string, unknown>,
  ): Promise<CallToolResult> {
    const { server } = await this.views.record(principal, sessionId, viewId);
    // The holding node may start the server, wait for the user's approval, then run the call.
    const { maxTimeoutMs } = this.servers.byName(server);
    const timeoutMs = this.config.MCP_START_TIMEOUT_MS + this.config.APPROVAL_TIMEOUT_MS + maxTimeoutMs;
    const call = { kind: 'view_call', session_id: sessionId, server, tool, arguments: args } as const;
    return this.sessions.callFromView(principal, call, timeoutMs);
  }
}
