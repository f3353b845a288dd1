import { Logger } from '@nestjs/common';
import { refreshAuthorization } from '@modelcontextprotocol/client';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  OAuthTokens,
} from '@modelcontextprotocol/client';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

import type { RemoteServerConfig } from '../config/mcp-config';
import type { OAuthStore } from './oauth-store';

/** Store keys; the principal comes last, so any id names its own key. */
export const oauthKeys = {
  client: (server: string) => `client:${server}`,
  discovery: (server: string) => `discovery:${server}`,
  tokens: (server: string, principal: string) => `tokens:${server}:${principal}`,
  flow: (state: string) => `flow:${state}`,
  pending: (server: string, principal: string) => `pending:${server}:${principal}`,
  refresh: (server: string, principal: string) => `refresh:${server}:${principal}`,
};

/** An authorization the user has to give in a browser, kept until it is given or expires. */
export interface OAuthFlow {
  server: string;
  principal: string;
  verifier: string;
  /** A digest of the secret in the cookie of the browser that started it: only that browser completes it. */
  binding?: string;
}

interface StoredTokens {
  tokens: OAuthTokens;
  /** Epoch ms, from expires_in when the tokens were saved. */
  expires_at?: number;
}

// A flow not completed within this is forgotten (the user starts again).
export const FLOW_TTL_MS = 10 * 60_000;
// Tokens this close to their expiry are refreshed before use.
const REFRESH_AHEAD_MS = 30_000;
// Longest one node holds the refresh lock, and longest another waits for its result.
const REFRESH_LOCK_MS = 15_000;
const REFRESH_POLL_MS = 200;

/** What the provider needs from the OAuth service. */
export interface OAuthContext {
  store: OAuthStore;
  redirectUrl: string;
  /** Called with the URL the user must open; the conformance adapter plays the user here. */
  authorize(url: URL, server: string, principal: string): Promise<void>;
}

/**
 * The MCP SDK's OAuth client, for one remote server and one principal: the registered client (or
 * the pre-registered one from the config) is shared by all principals, tokens are each principal's,
 * and an expiring token is refreshed by one node at a time (a lock in the store).
 */
export class McpOAuthProvider implements OAuthClientProvider {
  private readonly logger = new Logger(McpOAuthProvider.name);
  private flowState?: string;

  /**
   * `verifier`: set when completing a flow, the PKCE verifier it started with. `binding`: set when a
   * browser starts a fresh flow, the digest of its cookie's secret (stored tokens are then ignored).
   */
  constructor(
    private readonly server: RemoteServerConfig,
    private readonly principal: string,
    private readonly context: OAuthContext,
    private readonly verifier?: string,
    private readonly binding?: string,
  ) {}

  get redirectUrl(): string {
    return this.context.redirectUrl;
  }

  get clientMetadataUrl(): string | undefined {
    return this.server.oauth?.clientMetadataUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'MCP host server',
      redirect_uris: [this.context.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...(this.server.oauth?.scope ? { scope: this.server.oauth.scope } : {}),
    };
  }

  state(): string {
    this.flowState = randomUUID();
    return this.flowState;
  }

  async clientInformation(): Promise<OAuthClientInformationMixed | undefined> {
    const preRegistered = this.server.oauth?.clientId;
    if (preRegistered) {
      return { client_id: preRegistered, client_secret: this.server.oauth?.clientSecret };
    }
    return this.read<OAuthClientInformationMixed>(oauthKeys.client(this.server.name));
  }

  async saveClientInformation(information: OAuthClientInformationMixed): Promise<void> {
    // A pre-registered client is the config's; nothing to keep.
    if (!this.server.oauth?.clientId) {
      await this.context.store.set(oauthKeys.client(this.server.name), JSON.stringify(information));
    }
  }

  async discoveryState(): Promise<OAuthDiscoveryState | undefined> {
    return this.read<OAuthDiscoveryState>(oauthKeys.discovery(this.server.name));
  }

  async saveDiscoveryState(state: OAuthDiscoveryState): Promise<void> {
    await this.context.store.set(oauthKeys.discovery(this.server.name), JSON.stringify(state));
  }

  /** The principal's tokens; near their expiry, refreshed first (by one node; the others wait for it). */
  async tokens(): Promise<OAuthTokens | undefined> {
    if (this.binding) {
      // A browser asked for a fresh authorization: whatever is stored, the flow starts over.
      return undefined;
    }
    const stored = await this.storedTokens();
    if (!stored || !this.stale(stored)) {
      return stored?.tokens;
    }
    const release = await this.context.store.lock(oauthKeys.refresh(this.server.name, this.principal), REFRESH_LOCK_MS);
    if (!release) {
      return (await this.refreshedElsewhere()) ?? stored.tokens;
    }
    try {
      const current = await this.storedTokens();
      return current && this.stale(current) ? ((await this.refresh(current)) ?? current.tokens) : current?.tokens;
    } finally {
      await release();
    }
  }

  async saveTokens(tokens: OAuthTokens): Promise<void> {
    const stored: StoredTokens = {
      tokens,
      ...(tokens.expires_in ? { expires_at: Date.now() + tokens.expires_in * 1000 } : {}),
    };
    await this.context.store.set(oauthKeys.tokens(this.server.name, this.principal), JSON.stringify(stored));
    await this.context.store.delete(oauthKeys.pending(this.server.name, this.principal));
  }

  async saveCodeVerifier(verifier: string): Promise<void> {
    const state = this.flowState ?? this.state();
    const flow: OAuthFlow = {
      server: this.server.name,
      principal: this.principal,
      verifier,
      ...(this.binding ? { binding: this.binding } : {}),
    };
    await this.context.store.set(oauthKeys.flow(state), JSON.stringify(flow), FLOW_TTL_MS);
  }

  codeVerifier(): string {
    if (!this.verifier) {
      throw new Error('No authorization of this server is being completed');
    }
    return this.verifier;
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    if (!this.binding) {
      // A connection found no token: the principal is asked (the page starts a flow of its own).
      await this.context.store.set(oauthKeys.pending(this.server.name, this.principal), '1', FLOW_TTL_MS);
    }
    await this.context.authorize(url, this.server.name, this.principal);
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    const store = this.context.store;
    if (scope === 'all' || scope === 'tokens') {
      await store.delete(oauthKeys.tokens(this.server.name, this.principal));
    }
    if (scope === 'all' || scope === 'client') {
      await store.delete(oauthKeys.client(this.server.name));
    }
    if (scope === 'all' || scope === 'discovery') {
      await store.delete(oauthKeys.discovery(this.server.name));
    }
  }

  private stale(stored: StoredTokens): boolean {
    return (
      stored.tokens.refresh_token !== undefined &&
      stored.expires_at !== undefined &&
      stored.expires_at - REFRESH_AHEAD_MS <= Date.now()
    );
  }

  private storedTokens(): Promise<StoredTokens | undefined> {
    return this.read<StoredTokens>(oauthKeys.tokens(this.server.name, this.principal));
  }

  /** Another node holds the refresh lock: its fresh tokens, once they are there. */
  private async refreshedElsewhere(): Promise<OAuthTokens | undefined> {
    for (let waited = 0; waited < REFRESH_LOCK_MS; waited += REFRESH_POLL_MS) {
      await delay(REFRESH_POLL_MS);
      const stored = await this.storedTokens();
      if (stored && !this.stale(stored)) {
        return stored.tokens;
      }
    }
    return undefined;
  }

  /** Refreshes with what discovery found; a failure leaves the old tokens (the server's 401 starts over). */
  private async refresh(stored: StoredTokens): Promise<OAuthTokens | undefined> {
    const [discovery, client] = await Promise.all([this.discoveryState(), this.clientInformation()]);
    if (!discovery || !client || !stored.tokens.refresh_token) {
      return undefined;
    }
    try {
      const resource = discovery.resourceMetadata?.resource;
      const tokens = await refreshAuthorization(discovery.authorizationServerUrl, {
        metadata: discovery.authorizationServerMetadata,
        clientInformation: client,
        refreshToken: stored.tokens.refresh_token,
        ...(resource ? { resource: new URL(resource) } : {}),
      });
      await this.saveTokens(tokens);
      return tokens;
    } catch (error) {
      this.logger.warn(`Refreshing the token of "${this.server.name}" failed: ${(error as Error).message}`);
      return undefined;
    }
  }

  private async read<T>(key: string): Promise<T | undefined> {
    const value = await this.context.store.get(key);
    return value === undefined ? undefined : (JSON.parse(value) as T);
  }
}
