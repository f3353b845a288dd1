import { validateEnvironment } from '../config/environment-variables';
import { ConnectionsService } from './connections.service';

describe(ConnectionsService.name, () => {
  let connections: ConnectionsService;

  beforeEach(() => {
    connections = new ConnectionsService(validateEnvironment({ SSE_MAX_CONNECTIONS: '2', RATE_LIMIT_PER_MINUTE: '1' }));
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

  it('should count sockets and forget the rate of a closed one', () => {
    connections.socketOpened();
    connections.consumeMessage('socket-1');
    expect(() => connections.consumeMessage('socket-1')).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    connections.socketClosed('socket-1');
    expect(() => connections.consumeMessage('socket-1')).not.toThrow();
    expect(connections.counts().socketio).toBe(0);
  });
});
