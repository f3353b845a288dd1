import { startRedisCluster } from '../../../test/helpers/redis-cluster';
import { startRedis } from '../../../test/helpers/redis-server';
import { validateEnvironment } from '../../config/validate-environment';
import type { NewStreamEvent, StreamEvent } from '../../contract/events';
import { SessionStatus } from '../../contract/session-status';
import { RedisService } from '../../redis/redis.service';
import { MemorySessionEventLog } from './memory-session-event-log';
import { RedisSessionEventLog } from './redis-session-event-log';
import type { SessionEventLog } from './session-event-log';

const start = (session: string): NewStreamEvent => ({
  type: 'session_start',
  session_id: session,
  turn_id: null,
  ts: 't',
  data: { created_at: 't', status: SessionStatus.IDLE },
});
const delta = (session: string, text: string): NewStreamEvent => ({
  type: 'partial_response',
  session_id: session,
  turn_id: 'turn',
  ts: 't',
  data: { iteration: 1, delta: text },
});

/** Resolves once `count` events have been seen. */
function recorder(count: number) {
  const seen: StreamEvent[] = [];
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const listener = (event: StreamEvent) => {
    seen.push(event);
    if (seen.length === count) {
      done();
    }
  };
  return { seen, all, listener };
}

interface Backend {
  /** A log as one node sees it; two calls give two nodes on the same backend (Redis) or independent ones. */
  log(limit: number): SessionEventLog;
  close(): Promise<void>;
}

async function memory(): Promise<Backend> {
  return { log: (limit) => new MemorySessionEventLog(limit), close: async () => undefined };
}

/** Logs on one Redis (REDIS_URL) or a cluster (REDIS_CLUSTER_NODES), each a node of its own. */
function redisBackend(start: () => Promise<{ env: Record<string, string>; close(): Promise<void> }>) {
  return async (): Promise<Backend> => {
    const server = await start();
    const services: RedisService[] = [];
    return {
      log: (limit) => {
        const service = new RedisService(validateEnvironment(server.env));
        services.push(service);
        return new RedisSessionEventLog(service, limit, 60_000);
      },
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

let sessions = 0;
const newSession = () => `s${++sessions}`;

// Every SessionEventLog implementation runs this same contract.
describe.each<[string, () => Promise<Backend>]>([
  ['memory', memory],
  ['cluster', cluster],
  ['redis', redis],
])('SessionEventLog contract: %s', (_name, open) => {
  let backend: Backend;

  beforeAll(async () => {
    backend = await open();
  });
  afterAll(() => backend.close());

  it('should number events per session from 1 and deliver them to subscribers in order', async () => {
    const log = backend.log(100);
    const [a, b] = [newSession(), newSession()];
    const events = recorder(3);
    await log.subscribe(a, events.listener);
    const appended = await Promise.all([log.append(start(a)), log.append(start(b)), log.append(delta(a, 'x'))]);
    await log.append(delta(a, 'y'));
    await events.all;
    expect(appended.map((e) => [e.session_id === a, e.id])).toEqual([
      [true, 1],
      [false, 1],
      [true, 2],
    ]);
    expect(events.seen.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(events.seen[1]).toEqual({ id: 2, ...delta(a, 'x') });
  });

  it('should replay the retained events after an id, bounded by the limit, and keep session_start as the head', async () => {
    const log = backend.log(10);
    const a = newSession();
    await log.append(start(a));
    for (let i = 0; i < 300; i++) {
      await log.append(delta(a, String(i)));
    }
    expect((await log.head(a))?.type).toBe('session_start');
    expect((await log.replay(a, 295)).map((e) => e.id)).toEqual([296, 297, 298, 299, 300, 301]);
    // Redis trims with MAXLEN ~, a whole node of up to 100 entries at a time.
    const all = await log.replay(a, 0);
    expect(all.length).toBeGreaterThanOrEqual(10);
    expect(all.length).toBeLessThanOrEqual(110);
    expect(all.at(-1)?.id).toBe(301);
  });

  it('should stop delivering after unsubscribe, and forget a dropped session', async () => {
    const log = backend.log(10);
    const a = newSession();
    const events = recorder(1);
    const unsubscribe = await log.subscribe(a, events.listener);
    await log.append(start(a));
    await events.all;
    unsubscribe();
    await log.append(delta(a, 'x'));
    expect(events.seen).toHaveLength(1);
    await log.drop(a);
    expect(await log.head(a)).toBeUndefined();
    expect(await log.replay(a, 0)).toEqual([]);
  });

  it('should keep delivering to the others when one subscriber throws', async () => {
    const log = backend.log(10);
    const a = newSession();
    const events = recorder(2);
    await log.subscribe(a, () => {
      throw new Error('broken subscriber');
    });
    await log.subscribe(a, events.listener);
    await log.append(start(a));
    await log.append(delta(a, 'x'));
    await events.all;
    expect(events.seen.map((e) => e.id)).toEqual([1, 2]);
  });
});

describe('RedisSessionEventLog across nodes', () => {
  let backend: Backend;

  beforeAll(async () => {
    backend = await redis();
  });
  afterAll(() => backend.close());

  it('should give consecutive ids to events appended on two nodes and deliver them in order on both', async () => {
    const [nodeA, nodeB] = [backend.log(100), backend.log(100)];
    const a = newSession();
    const onA = recorder(40);
    const onB = recorder(40);
    await nodeA.subscribe(a, onA.listener);
    await nodeB.subscribe(a, onB.listener);
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? nodeA : nodeB).append(delta(a, String(i)))));
    await Promise.all([onA.all, onB.all]);
    const ids = Array.from({ length: 40 }, (_, i) => i + 1);
    expect(onA.seen.map((e) => e.id)).toEqual(ids);
    expect(onB.seen.map((e) => e.id)).toEqual(ids);
    expect(onB.seen).toEqual(onA.seen);
  });
});
