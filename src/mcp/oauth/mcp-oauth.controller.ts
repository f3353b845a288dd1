import { Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiFoundResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { CurrentPrincipal, Public } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import { AppException } from '../../common/errors';
import { InjectAppConfig } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { ErrorBodyDto } from '../../contract/error-body.dto';
import { ErrorCode } from '../../contract/error-code';
import { McpServers } from '../config/mcp-servers';
import { AuthorizationStartedDto, OAuthCallbackQueryDto, PendingAuthorizationListDto } from './dto/oauth.dto';
import { McpOAuthService } from './mcp-oauth.service';
import { cookieSecret, issueCookie } from './oauth-cookie';

// Where the browser is sent once the authorization server has answered.
const PAGE = '/pmc/';

@ApiTags('mcp')
@ApiBearerAuth()
@Controller('api/v3/mcp/oauth')
export class McpOAuthController {
  constructor(
    private readonly oauth: McpOAuthService,
    private readonly servers: McpServers,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  @Get('pending')
  @ApiOperation({ summary: "Remote MCP servers waiting for the caller's authorization" })
  @ApiOkResponse({ type: PendingAuthorizationListDto })
  async pending(@CurrentPrincipal() principal: Principal): Promise<PendingAuthorizationListDto> {
    return { pending: await this.oauth.pending(principal.id) };
  }

  /**
   * Starts a fresh authorization in the caller's browser: its URL, and an HttpOnly cookie that binds
   * the flow to this browser (the callback completes it nowhere else).
   */
  @Post(':server/start')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start authorizing a remote MCP server in this browser; the URL to open' })
  @ApiOkResponse({ type: AuthorizationStartedDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async start(
    @CurrentPrincipal() principal: Principal,
    @Param('server') name: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AuthorizationStartedDto> {
    if (!this.servers.remoteNames().includes(name)) {
      throw new AppException(ErrorCode.NOT_FOUND, `No remote MCP server named "${name.slice(0, 64)}" is configured`);
    }
    const secret = issueCookie(request, response, this.config.PUBLIC_URL.startsWith('https:'));
    return { authorization_url: await this.oauth.start(this.servers.remote(name), principal.id, secret) };
  }

  /**
   * The authorization server sends the browser here. Open: the browser carries no bearer token; the
   * single-use `state` names the flow, and the cookie says whether this browser started it.
   */
  @Get('callback')
  @Public()
  @ApiOperation({ summary: "OAuth redirect URI: completes a remote MCP server's authorization, then opens the page" })
  @ApiFoundResponse({ description: 'To /pmc/?connected=<server>, or /pmc/?oauth_error=<code: why>' })
  async callback(
    @Query() query: OAuthCallbackQueryDto,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const back = (params: Record<string, string>) => response.redirect(302, `${PAGE}?${new URLSearchParams(params)}`);
    try {
      back({ connected: await this.oauth.complete(query, cookieSecret(request)) });
    } catch (error) {
      if (!(error instanceof AppException)) {
        throw error;
      }
      back({ oauth_error: `${error.code}: ${error.message}` });
    }
  }
}
