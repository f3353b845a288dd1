import { Injectable, Logger } from '@nestjs/common';
import { auth } from '@modelcontextprotocol/client';

import { AppException } from '../../common/errors';
import { InjectAppConfig } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { ErrorCode } from '../../contract/error-code';
import type { RemoteServerConfig } from '../config/mcp-config';
import { McpOAuthProvider, oauthKeys } from './mcp-oauth-provider';
import type { OAuthContext, OAuthFlow } from './mcp-oauth-provider';
import { OAuthStore } from './oauth-store';

export const OAUTH_CALLBACK_PATH = '/api/v3/mcp/oauth/callback';

/** Someone who completes authorizations without a browser (the conformance adapter plays the user). */
export type Authorizer = (url: URL, server: string, principal: string) => Promise<void>;

/**
 * OAuth 2.1 for remote MCP servers, with the MCP SDK doing the protocol (discovery, registration or a
 * Client ID Metadata Document, PKCE, refresh). A server that needs the user's consent leaves an
 * authorization URL for them (GET /api/v3/mcp/oauth/pending); the callback completes the flow, and the
 * session's next turn connects with the principal's token. Tokens never leave the server.
 */
@Injectable()
export class McpOAuthService {
  private readonly logger = new Logger(McpOAuthService.name);
  private readonly context: OAuthContext;
  /** Set by a headless host (tests); a server otherwise waits for its user to open the URL. */
  authorizer?: Authorizer;

  constructor(
    private readonly store: OAuthStore,
    @InjectAppConfig() config: AppConfig,
  ) {
    this.context = {
      store,
      redirectUrl: new URL(OAUTH_CALLBACK_PATH, config.PUBLIC_URL).toString(),
      authorize: (url, server, principal) => this.authorize(url, server, principal),
    };
  }

  /** The SDK's OAuth client for this server and principal. */
  providerFor(server: RemoteServerConfig, principal: string): McpOAuthProvider {
    return new McpOAuthProvider(server, principal, this.context);
  }

  /** The flow a callback's `state` names, used once; NOT_FOUND when it is unknown, used or expired. */
  async takeFlow(state: string): Promise<OAuthFlow> {
    const flow = await this.store.take(oauthKeys.flow(state));
    if (!flow) {
      throw new AppException(
        ErrorCode.NOT_FOUND,
        'This authorization is unknown, used already, or expired: start it again',
      );
    }
    return JSON.parse(flow) as OAuthFlow;
  }

  /**
   * Exchanges the code of a flow for the principal's tokens. `iss` is the callback's issuer (RFC 9207):
   * the SDK checks it against the authorization server the flow started with.
   */
  async finish(server: RemoteServerConfig, flow: OAuthFlow, code: string, iss?: string): Promise<void> {
    const provider = new McpOAuthProvider(server, flow.principal, this.context, flow.verifier);
    try {
      await auth(provider, { serverUrl: server.url, authorizationCode: code, iss });
    } catch (error) {
      this.logger.warn(`Authorizing "${server.name}" for ${flow.principal} failed: ${(error as Error).message}`);
      throw new AppException(
        ErrorCode.MCP_REQUEST_FAILED,
        `The authorization server of "${server.name}" did not give a token: ${(error as Error).message}`,
      );
    }
    this.logger.log(`MCP server "${server.name}" authorized for ${flow.principal}`);
  }

  /** The authorization URL waiting for this principal, per server (only their own). */
  async pending(servers: string[], principal: string): Promise<{ server: string; authorization_url: string }[]> {
    const urls = await Promise.all(servers.map((server) => this.store.get(oauthKeys.pending(server, principal))));
    return servers.flatMap((server, index) => {
      const url = urls[index];
      return url ? [{ server, authorization_url: url }] : [];
    });
  }

  /** Forgets the principal's tokens for the server (disconnect). */
  async forget(server: string, principal: string): Promise<void> {
    await this.store.delete(oauthKeys.tokens(server, principal));
  }

  private async authorize(url: URL, server: string, principal: string): Promise<void> {
    if (this.authorizer) {
      await this.authorizer(url, server, principal);
      return;
    }
    this.logger.log(`MCP server "${server}" waits for ${principal} to authorize it`);
  }
}
