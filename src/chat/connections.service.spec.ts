import type { HttpAdapterHost } from '@nestjs/core';

import { validateEnvironment } from '../config/environment-variables';
import { ConnectionsService } from './connections.service';

describe(ConnectionsService.name, () => {
  let connections: ConnectionsService;

  beforeEach(() => {
    // Express's compiled "trust proxy" setting: TRUST_PROXY unset trusts no proxy.
    const express = { get: () => () => false };
    const adapterHost = { httpAdapter: { getInstance: () => express } } as unknown as HttpAdapterHost;
    connections = new ConnectionsService(
      validateEnvironment({ SSE_MAX_CONNECTIONS: '2', RATE_LIMIT_PER_MINUTE: '2' }),
      adapterHost,
    );
  });

  it('should cap SSE streams with TOO_MANY_STREAMS and free a slot once, however often released', () => {
    const release = connections.openStream();
    connections.openStream();
    expect(() => connections.openStream()).toThrow(expect.objectContaining({ code: 'TOO_MANY_STREAMS' }));
    release();
    release();
    expect(connections.counts()).toEqual({ socketio: 0, sse: 1, sse_max: 2, total: 1 });
    connections.openStream();
  });

  it('should rate-limit each address on its own and say when to retry', async () => {
    await connections.consumeMessage('10.0.0.1');
    await connections.consumeMessage('10.0.0.1');
    await expect(connections.consumeMessage('10.0.0.1')).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/2 messages per minute .* retry in (60|59) s/),
    });
    await expect(connections.consumeMessage('10.0.0.2')).resolves.toBeUndefined();
  });

  it('should take the address from the socket, not from X-Forwarded-For, when no proxy is trusted', () => {
    const request = { headers: { 'x-forwarded-for': '203.0.113.9' }, socket: { remoteAddress: '127.0.0.1' } };
    expect(connections.addressOf(request as never)).toBe('127.0.0.1');
  });
});
