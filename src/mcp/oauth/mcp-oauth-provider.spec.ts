import { createServer } from 'node:http';
import type { Server } from 'node:http';

import { startRedis } from '../../../test/helpers/redis-server';
import type { RedisServer } from '../../../test/helpers/redis-server';
import { validateEnvironment } from '../../config/validate-environment';
import { RedisService } from '../../redis/redis.service';
import type { RemoteServerConfig } from '../config/mcp-config';
import { DEFAULT_POLICY } from '../config/mcp-config-policy';
import { McpOAuthProvider, oauthKeys } from './mcp-oauth-provider';
import { RedisOAuthStore } from './redis-oauth-store';

const SERVER: RemoteServerConfig = {
  name: 'remote',
  transport: 'http',
  url: 'http://127.0.0.1:1/mcp',
  headers: {},
  ...DEFAULT_POLICY,
};

describe(McpOAuthProvider.name, () => {
  let redis: RedisServer;
  const services: RedisService[] = [];
  let tokenEndpoint: Server;
  let tokenUrl: string;
  let refreshes = 0;

  beforeAll(async () => {
    redis = await startRedis();
    // The authorization server's token endpoint: slow to answer, so concurrent refreshes would overlap.
    tokenEndpoint = createServer((request, response) => {
      refreshes++;
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ access_token: `fresh-${refreshes}`, token_type: 'Bearer', expires_in: 3600 }));
      }, 300);
    });
    await new Promise<void>((resolve) => tokenEndpoint.listen(0, '127.0.0.1', resolve));
    tokenUrl = `http://127.0.0.1:${(tokenEndpoint.address() as { port: number }).port}/token`;
  });

  afterAll(async () => {
    await Promise.all(services.map((service) => service.onApplicationShutdown()));
    await new Promise((resolve) => tokenEndpoint.close(resolve));
    await redis.close();
  });

  /** A node's provider for alice: its own Redis connection, the same Redis. */
  const node = () => {
    const service = new RedisService(validateEnvironment({ REDIS_URL: redis.url }));
    services.push(service);
    const store = new RedisOAuthStore(service);
    const context = { store, redirectUrl: 'http://localhost/cb', authorize: () => Promise.resolve() };
    return { store, provider: new McpOAuthProvider(SERVER, 'alice', context) };
  };

  it('should refresh an expiring token once across nodes, every node getting the new one', async () => {
    const nodes = [node(), node(), node()];
    const { store, provider } = nodes[0];
    await provider.saveDiscoveryState({
      authorizationServerUrl: 'http://127.0.0.1/',
      authorizationServerMetadata: {
        issuer: 'http://127.0.0.1/',
        authorization_endpoint: 'http://127.0.0.1/authorize',
        token_endpoint: tokenUrl,
        response_types_supported: ['code'],
      },
    });
    await provider.saveClientInformation({ client_id: 'host' });
    // Expiring in 10 s: inside the refresh margin.
    await provider.saveTokens({ access_token: 'old', token_type: 'Bearer', refresh_token: 'r1', expires_in: 10 });

    const tokens = await Promise.all(nodes.map((each) => each.provider.tokens()));
    expect(refreshes).toBe(1);
    expect(tokens.map((each) => each?.access_token)).toEqual(['fresh-1', 'fresh-1', 'fresh-1']);
    // The refresh token is kept when the server does not send a new one.
    const stored = JSON.parse((await store.get(oauthKeys.tokens('remote', 'alice')))!) as {
      tokens: { refresh_token: string };
    };
    expect(stored.tokens.refresh_token).toBe('r1');
    // Another principal has no tokens of alice's.
    const bob = new McpOAuthProvider(SERVER, 'bob', {
      store,
      redirectUrl: 'http://localhost/cb',
      authorize: () => Promise.resolve(),
    });
    expect(await bob.tokens()).toBeUndefined();
  });
});
