import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

import { CurrentPrincipal, Public } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import { AppException } from '../../common/errors';
import { McpServers } from '../config/mcp-servers';
import { OAuthCallbackQueryDto, PendingAuthorizationListDto } from './dto/oauth.dto';
import { McpOAuthService } from './mcp-oauth.service';

// Where the browser is sent once the authorization server has answered.
const PAGE = '/pmc/';

@ApiTags('mcp')
@ApiBearerAuth()
@Controller('api/v3/mcp/oauth')
export class McpOAuthController {
  constructor(
    private readonly oauth: McpOAuthService,
    private readonly servers: McpServers,
  ) {}

  @Get('pending')
  @ApiOperation({ summary: "Remote MCP servers waiting for the caller's authorization, with the URL to open" })
  @ApiOkResponse({ type: PendingAuthorizationListDto })
  async pending(@CurrentPrincipal() principal: Principal): Promise<PendingAuthorizationListDto> {
    return { pending: await this.oauth.pending(this.servers.remoteNames(), principal.id) };
  }

  /**
   * The authorization server sends the browser here. Open: the browser carries no bearer token;
   * the single-use `state` names the flow and the principal who started it.
   */
  @Get('callback')
  @Public()
  @ApiOperation({ summary: "OAuth redirect URI: completes a remote MCP server's authorization, then opens the page" })
  @ApiFoundResponse({ description: 'To /pmc/?connected=<server>, or /pmc/?oauth_error=<why>' })
  async callback(@Query() query: OAuthCallbackQueryDto, @Res() response: Response): Promise<void> {
    const back = (params: Record<string, string>) => response.redirect(302, `${PAGE}?${new URLSearchParams(params)}`);
    try {
      const flow = await this.oauth.takeFlow(query.state ?? '');
      if (query.error || !query.code) {
        back({ oauth_error: `${flow.server}: ${query.error_description ?? query.error ?? 'no code'}`.slice(0, 300) });
        return;
      }
      await this.oauth.finish(this.servers.remote(flow.server), flow, query.code, query.iss);
      back({ connected: flow.server });
    } catch (error) {
      if (!(error instanceof AppException)) {
        throw error;
      }
      back({ oauth_error: error.message });
    }
  }
}
