import { Injectable, Logger } from '@nestjs/common';
import { auth } from '@modelcontextprotocol/client';

import { AppException } from '../../common/errors';
import { InjectAppConfig } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { ErrorCode } from '../../contract/error-code';
import type { RemoteServerConfig } from '../config/mcp-config';
import { McpServers } from '../config/mcp-servers';
import { McpOAuthProvider, oauthKeys } from './mcp-oauth-provider';
import type { OAuthContext, OAuthFlow } from './mcp-oauth-provider';
import { bindingOf, boundTo } from './oauth-cookie';
import { OAuthStore } from './oauth-store';

export const OAUTH_CALLBACK_PATH = '/api/v3/mcp/oauth/callback';

/** Someone who completes authorizations without a browser (the conformance adapter plays the user). */
export type Authorizer = (url: URL, server: string, principal: string) => Promise<void>;

/**
 * OAuth 2.1 for remote MCP servers, with the MCP SDK doing the protocol (discovery, registration or a
 * Client ID Metadata Document, PKCE, refresh). A server that needs the user's consent leaves an
 * authorization for them (GET /api/v3/mcp/oauth/pending); the page starts a flow bound to its browser
 * (POST …/:server/start), the callback completes it there only, and the session's next turn connects
 * with the principal's token. Tokens never leave the server.
 */
@Injectable()
export class McpOAuthService {
  private readonly logger = new Logger(McpOAuthService.name);
  private readonly context: OAuthContext;
  /** Set by a headless host (tests); a server otherwise waits for its user to open the URL. */
  authorizer?: Authorizer;

  constructor(
    private readonly store: OAuthStore,
    private readonly servers: McpServers,
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
      throw flowGone();
    }
    return JSON.parse(flow) as OAuthFlow;
  }

  /**
   * A fresh authorization of the server for the principal, started from a browser: the URL to open.
   * The flow keeps the digest of `secret` (the browser's cookie), so only that browser completes it.
   */
  async start(server: RemoteServerConfig, principal: string, secret: string): Promise<string> {
    let url: URL | undefined;
    const context = { ...this.context, authorize: (to: URL) => Promise.resolve(void (url = to)) };
    const provider = new McpOAuthProvider(server, principal, context, undefined, bindingOf(secret));
    try {
      await auth(provider, { serverUrl: server.url });
    } catch (error) {
      throw new AppException(
        ErrorCode.MCP_REQUEST_FAILED,
        `The authorization of "${server.name}" could not be started: ${(error as Error).message}`,
      );
    }
    if (!url) {
      throw new AppException(ErrorCode.MCP_REQUEST_FAILED, `MCP server "${server.name}" asked for no authorization`);
    }
    return url.toString();
  }

  /**
   * The callback: completes the flow its `state` names, in the browser that started it only (its
   * cookie's `secret`); from any other the flow stays for its own browser until it expires. The
   * server's name, once its tokens are kept.
   */
  async complete(
    query: { state?: string; code?: string; error?: string; error_description?: string; iss?: string },
    secret: string | undefined,
  ): Promise<string> {
    const key = oauthKeys.flow(query.state ?? '');
    const stored = query.state ? await this.store.get(key) : undefined;
    if (!stored) {
      throw flowGone();
    }
    if (!boundTo((JSON.parse(stored) as OAuthFlow).binding, secret)) {
      this.logger.warn('An authorization was completed in a browser other than the one that started it: refused');
      throw new AppException(
        ErrorCode.OAUTH_STATE_MISMATCH,
        'This authorization was started in another browser (or its cookie is gone): start it again from the page',
      );
    }
    const flow = await this.takeFlow(query.state ?? '');
    if (query.error || !query.code) {
      throw new AppException(
        ErrorCode.MCP_REQUEST_FAILED,
        `${flow.server}: ${query.error_description ?? query.error ?? 'no code'}`.slice(0, 300),
      );
    }
    await this.finish(this.servers.remote(flow.server), flow, query.code, query.iss);
    return flow.server;
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

  /** The remote servers waiting for this principal's authorization (only their own; start hands out URLs). */
  async pending(principal: string): Promise<{ server: string }[]> {
    const servers = this.servers.remoteNames();
    const urls = await Promise.all(servers.map((server) => this.store.get(oauthKeys.pending(server, principal))));
    return servers.filter((_, index) => urls[index] !== undefined).map((server) => ({ server }));
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

const flowGone = () =>
  new AppException(ErrorCode.NOT_FOUND, 'This authorization is unknown, used already, or expired: start it again');
