import type { HttpAdapterHost } from '@nestjs/core';

import { startRedis } from '../../test/helpers/redis-server';
import type { RedisServer } from '../../test/helpers/redis-server';
import { LOCAL_PRINCIPAL } from '../auth/principal';
import { validateEnvironment } from '../config/validate-environment';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { RedisService } from '../redis/redis.service';
import { MemorySessionBus } from '../session-store/bus/memory-session-bus';
import type { SessionsService } from '../sessions/sessions.service';
import { ChatMetrics } from './chat.metrics';
import { ConnectionsService } from './connections.service';

// Express's compiled "trust proxy" setting: TRUST_PROXY unset trusts no proxy.
const express = { get: () => () => false };
const adapterHost = { httpAdapter: { getInstance: () => express } } as unknown as HttpAdapterHost;

describe.each<[string]>([['memory'], ['redis']])(`${ConnectionsService.name} on %s`, (backend) => {
  let server: RedisServer | undefined;
  const services: RedisService[] = [];
  let prefix = 0;

  /** A node's ConnectionsService; nodes made in one test share a key prefix (and so their counters). */
  const node = (test: number, env: Record<string, string> = {}) => {
    const config = validateEnvironment({
      SSE_MAX_CONNECTIONS: '2',
      RATE_LIMIT_PER_MINUTE: '2',
      ...env,
      ...(server ? { REDIS_URL: server.url, REDIS_KEY_PREFIX: `t${test}:` } : {}),
    });
    const redis = new RedisService(config);
    services.push(redis);
    // The sessions service is only read by report(), which these tests do not call.
    return new ConnectionsService(
      config,
      adapterHost,
      {} as SessionsService,
      new MemorySessionBus(config.NODE_ID),
      redis,
      new ChatMetrics(new MetricsRegistry()),
    );
  };

  beforeAll(async () => {
    server = backend === 'redis' ? await startRedis() : undefined;
  });
  afterAll(async () => {
    await Promise.all(services.map((service) => service.onApplicationShutdown()));
    await server?.close();
  });

  it('should cap SSE streams with TOO_MANY_STREAMS and free a slot once, however often released', () => {
    const connections = node(++prefix);
    const release = connections.openStream(LOCAL_PRINCIPAL);
    connections.openStream(LOCAL_PRINCIPAL);
    expect(() => connections.openStream(LOCAL_PRINCIPAL)).toThrow(
      expect.objectContaining({ code: 'TOO_MANY_STREAMS' }),
    );
    release();
    release();
    expect(connections.counts()).toMatchObject({ socketio: 0, sse: 1, sse_max: 2, total: 1 });
    connections.openStream(LOCAL_PRINCIPAL);
  });

  it("should cap each principal's connections on this node, streams and sockets together, with authentication only", () => {
    const auth = { AUTH_API_KEYS: 'alice:alice-key-0123456789,bob:bob-key-0123456789' };
    const connections = node(++prefix, { ...auth, MAX_CONNECTIONS_PER_PRINCIPAL: '2', SSE_MAX_CONNECTIONS: '10' });
    const [alice, bob] = [
      { id: 'key:alice', admin: false },
      { id: 'key:bob', admin: false },
    ];
    const socket = connections.claimConnection(alice);
    const stream = connections.openStream(alice);
    const refusal = expect.objectContaining({
      code: 'TOO_MANY_STREAMS',
      message: expect.stringContaining('key:alice holds 2 on this node (MAX_CONNECTIONS_PER_PRINCIPAL)'),
    });
    expect(() => connections.claimConnection(alice)).toThrow(refusal);
    expect(() => connections.openStream(alice)).toThrow(refusal);
    // A refused stream took no SSE slot; another principal has slots of their own.
    expect(connections.counts()).toMatchObject({ sse: 1 });
    connections.openStream(bob);
    connections.claimConnection(bob);
    // Given back once, however often released.
    socket();
    socket();
    connections.claimConnection(alice);
    expect(() => connections.claimConnection(alice)).toThrow(refusal);
    stream();
    expect(connections.counts()).toMatchObject({ sse: 1 });
    connections.openStream(alice);

    // Without authentication the one principal has no cap but SSE_MAX_CONNECTIONS.
    const single = node(++prefix, { MAX_CONNECTIONS_PER_PRINCIPAL: '1' });
    single.claimConnection(LOCAL_PRINCIPAL);
    single.claimConnection(LOCAL_PRINCIPAL);
    single.openStream(LOCAL_PRINCIPAL);
  });

  it('should rate-limit each address on its own, across nodes sharing a store, and say when to retry', async () => {
    const test = ++prefix;
    const [a, b] = [node(test), node(test)];
    // Two nodes on one Redis share the budget; on memory each node counts its own.
    const other = backend === 'redis' ? b : a;
    await a.consumeMessage(LOCAL_PRINCIPAL, '10.0.0.1', 'http');
    await other.consumeMessage(LOCAL_PRINCIPAL, '10.0.0.1', 'http');
    const third = other.consumeMessage(LOCAL_PRINCIPAL, '10.0.0.1', 'http');
    await expect(third).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/2 messages per minute .* retry in (60|59) s/),
    });
    // Single-user mode: the one principal has no bucket of its own, each address has.
    await expect(a.consumeMessage(LOCAL_PRINCIPAL, '10.0.0.2', 'http')).resolves.toBeUndefined();
  });

  it('should also rate-limit each principal across addresses when authentication is on', async () => {
    const connections = node(++prefix, { AUTH_API_KEYS: 'alice:alice-key-0123456789,bob:bob-key-0123456789' });
    const alice = { id: 'alice', admin: false };
    await connections.consumeMessage(alice, '10.0.0.1', 'http');
    await connections.consumeMessage(alice, '10.0.0.2', 'http');
    await expect(connections.consumeMessage(alice, '10.0.0.3', 'http')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(connections.consumeMessage({ id: 'bob', admin: false }, '10.0.0.4', 'http')).resolves.toBeUndefined();
  });

  it('should take the address from the socket, not from X-Forwarded-For, when no proxy is trusted', () => {
    const request = { headers: { 'x-forwarded-for': '203.0.113.9' }, socket: { remoteAddress: '127.0.0.1' } };
    expect(node(++prefix).addressOf(request as never)).toBe('127.0.0.1');
  });
});
