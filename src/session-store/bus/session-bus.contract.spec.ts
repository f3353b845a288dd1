import { startRedisCluster } from '../../../test/helpers/redis-cluster';
import { startRedis } from '../../../test/helpers/redis-server';
import { waitUntil } from '../../../test/helpers/wait';
import { AppException } from '../../common/errors';
import { validateEnvironment } from '../../config/validate-environment';
import { ErrorCode } from '../../contract/error-code';
import { RedisService } from '../../redis/redis.service';
import { MemorySessionBus } from './memory-session-bus';
import { RedisSessionBus } from './redis-session-bus';
import { NodeUnreachable } from './session-bus';
import type { NodeStats, SessionBus, SessionSignal, SignalHandler } from './session-bus';

// A report older than this is taken for a node that is gone.
const STALE_MS = 60_000;

interface Backend {
  /** The bus of node `n1`, and one another node sends on (the same bus with one node only). */
  buses(): { n1: SessionBus; sender: SessionBus };
  /** Resolves once `bus` hears its signals. */
  listen(bus: SessionBus, handler: SignalHandler): Promise<void>;
  close(): Promise<void>;
}

async function memory(): Promise<Backend> {
  const bus = new MemorySessionBus('n1');
  return {
    buses: () => ({ n1: bus, sender: bus }),
    listen: (target, handler) => target.listen(handler),
    close: async () => undefined,
  };
}

/** Two nodes' buses on one Redis or a cluster, each with connections of its own. */
function redisBackend(start: () => Promise<{ env: Record<string, string>; close(): Promise<void> }>) {
  return async (): Promise<Backend> => {
    const server = await start();
    const services = ['n1', 'n2'].map(
      (node) => new RedisService(validateEnvironment({ ...server.env, NODE_ID: node })),
    );
    const [n1, sender] = services.map((service, i) => new RedisSessionBus(service, `n${i + 1}`, STALE_MS));
    return {
      buses: () => ({ n1, sender }),
      listen: (target, handler) => new Promise<void>((resolve) => void target.listen(handler, resolve)),
      close: async () => {
        await Promise.all(services.map((service) => service.onApplicationShutdown()));
        await server.close();
      },
    };
  };
}

const redis = redisBackend(async () => {
  const server = await startRedis();
  return { env: { REDIS_URL: server.url }, close: () => server.close() };
});

const cluster = redisBackend(async () => {
  const nodes = await startRedisCluster();
  return { env: { REDIS_CLUSTER_NODES: nodes.seeds }, close: () => nodes.close() };
});

const stats = (node: string, at: number): NodeStats => ({
  node,
  at,
  socketio: 1,
  sse: 2,
  sessions_held: 3,
  turns_running: 0,
});

// Every SessionBus implementation runs this same contract.
describe.each<[string, () => Promise<Backend>]>([
  ['memory', memory],
  ['redis', redis],
  ['cluster', cluster],
])('SessionBus contract: %s', (_name, open) => {
  let backend: Backend;
  const heard: SessionSignal[] = [];

  beforeAll(async () => {
    backend = await open();
    await backend.listen(backend.buses().n1, async (signal) => {
      heard.push(signal);
      if (signal.kind === 'approval') {
        throw new AppException(ErrorCode.VALIDATION_FAILED, `no approval ${signal.approval_id}`);
      }
      return signal.kind === 'end' ? `ended ${signal.session_id}` : undefined;
    });
    const { n1, sender } = backend.buses();
    if (sender !== n1) {
      // Every node listens: replies to its requests come on its own channel.
      await backend.listen(sender, async () => undefined);
    }
  });
  afterAll(() => backend.close());

  it("should hand a node its signals, and answer a request with the handler's value or its AppException", async () => {
    const { sender } = backend.buses();
    await sender.send('n1', { kind: 'run', session_id: 's1' });
    await waitUntil(() => heard.some((signal) => signal.kind === 'run'), 'the run signal');
    expect(heard).toContainEqual({ kind: 'run', session_id: 's1' });

    expect(await sender.request('n1', { kind: 'end', session_id: 's2', reason: 'deleted' }, 5000)).toBe('ended s2');
    const refused = sender.request(
      'n1',
      { kind: 'approval', session_id: 's3', approval_id: 'a1', answer: { approved: true } },
      5000,
    );
    await expect(refused).rejects.toBeInstanceOf(AppException);
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED, message: 'no approval a1' });
  });

  it('should refuse a signal or a request for a node that is not listening', async () => {
    const { sender } = backend.buses();
    await expect(sender.send('ghost', { kind: 'run', session_id: 's1' })).rejects.toBeInstanceOf(NodeUnreachable);
    await expect(
      sender.request('ghost', { kind: 'end', session_id: 's1', reason: 'deleted' }, 200),
    ).rejects.toBeInstanceOf(NodeUnreachable);
  });

  it("should list each live node's latest report", async () => {
    const { n1, sender } = backend.buses();
    await n1.report(stats('n1', Date.now() - 10));
    await n1.report(stats('n1', Date.now()));
    const listed = await sender.nodes();
    expect(listed.filter((report) => report.node === 'n1')).toEqual([expect.objectContaining({ sessions_held: 3 })]);
    expect(listed.find((report) => report.node === 'n1')?.at).toBeGreaterThan(Date.now() - 5000);
  });
});
