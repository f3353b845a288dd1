import { Cluster } from 'ioredis';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { StreamEvent } from '../src/contract/events';
import { ScriptedLlm } from './fixtures/scripted-llm';
import { clusterNodeEnv, startNodes } from './helpers/app-node';
import type { AppNode } from './helpers/app-node';
import { connectSse } from './helpers/events';
import type { SseClient } from './helpers/events';
import { createSession, postJson } from './helpers/http';
import { startRedisCluster } from './helpers/redis-cluster';
import type { RedisCluster } from './helpers/redis-cluster';
import { waitUntil } from './helpers/wait';

const LEASE_MS = 2000;
const ids = (events: StreamEvent[]) => events.map((event) => event.id);

async function send(node: AppNode, sessionId: string, message: string): Promise<string> {
  const response = await postJson(`${node.url}/api/v3/chat/send`, { session_id: sessionId, message });
  expect(response.status).toBe(202);
  return ((await response.json()) as { turn_id: string }).turn_id;
}

async function health(node: AppNode, path = '/health'): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${node.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Two app processes on a real Redis Cluster (REDIS_CLUSTER_NODES), with `replicas` replicas per master. */
function clusterSuite(
  replicas: number,
  tests: (nodes: () => { a: AppNode; b: AppNode; cluster: RedisCluster; llm: ScriptedLlm }) => void,
) {
  let cluster: RedisCluster;
  let llm: ScriptedLlm;
  let dir: string;
  let a: AppNode;
  let b: AppNode;

  beforeAll(async () => {
    cluster = await startRedisCluster(3, replicas);
    llm = new ScriptedLlm();
    const llmUrl = await llm.start();
    dir = mkdtempSync(join(tmpdir(), 'mcp-host-cluster-nodes-'));
    writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: {} }));
    const env = (node: string) => {
      const env: Record<string, string> = clusterNodeEnv(node, '', llmUrl, join(dir, 'mcp.json'));
      delete env.REDIS_URL;
      return { ...env, REDIS_CLUSTER_NODES: cluster.seeds, TURN_LEASE_MS: String(LEASE_MS) };
    };
    [a, b] = await startNodes(env('node-a'), env('node-b'));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a, b].map((node) => node?.kill()));
    await cluster?.close();
    await llm?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  tests(() => ({ a, b, cluster, llm }));
}

describe('Two nodes on a three-master Redis Cluster (e2e)', () => {
  const clients: SseClient[] = [];
  afterEach(() => clients.splice(0).forEach((client) => client.close()));

  clusterSuite(0, (nodes) => {
    it('should be ready once the cluster is ok, and show its state and masters on /health', async () => {
      const { a } = nodes();
      expect((await health(a, '/health/ready')).status).toBe(200);
      const { body } = await health(a);
      expect(body).toMatchObject({
        details: { redis: { status: 'up', cluster: { state: 'ok', masters: 3, masters_reached: 3 } } },
      });
    });

    it('should share sessions across nodes: made on A, read on B, a turn sent on B streamed on A with the same ids', async () => {
      const { a, b } = nodes();
      const sessionId = await createSession(a.url);
      const detail = await fetch(`${b.url}/api/v3/sessions/${sessionId}`);
      expect(detail.status).toBe(200);
      expect(await detail.json()).toMatchObject({ session_id: sessionId, node: 'node-a' });

      const onA = await connectSse(a.url, sessionId);
      const onB = await connectSse(b.url, sessionId);
      clients.push(onA, onB);
      const turnId = await send(b, sessionId, 'across the cluster');
      const [endA, endB] = await Promise.all([onA.recorder.turnEnd(turnId), onB.recorder.turnEnd(turnId)]);
      expect(endA).toMatchObject({ type: 'final_response', data: { content: 'Echo: across the cluster' } });
      expect(endB).toEqual(endA);
      const seen = onA.recorder.events.filter((event) => event.id <= endA.id);
      expect(ids(seen)).toEqual(Array.from({ length: endA.id }, (_, i) => i + 1));
      expect(onB.recorder.events.filter((event) => event.id <= endA.id)).toEqual(seen);
    });

    it('should spread 30 sessions over every master', async () => {
      const { a, cluster } = nodes();
      for (let i = 0; i < 30; i++) {
        await createSession(a.url);
      }
      const client = new Cluster(
        cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
        { clusterRetryStrategy: () => null },
      );
      try {
        await client.ping();
        const sizes = await Promise.all(client.nodes('master').map((node) => node.dbsize()));
        expect(sizes).toHaveLength(3);
        for (const size of sizes) {
          expect(size).toBeGreaterThan(0);
        }
      } finally {
        client.disconnect();
      }
    });

    it('should take a session over when its node dies mid-turn: TURN_INTERRUPTED on the other, then the next message runs', async () => {
      const { a, b, llm } = nodes();
      const sessionId = await createSession(b.url);
      const watcher = await connectSse(a.url, sessionId);
      clients.push(watcher);
      const held = await send(b, sessionId, '[[hold:cluster-failover]]');
      await llm.held('cluster-failover');
      await b.kill();
      expect(await watcher.recorder.turnEnd(held, 30_000)).toMatchObject({
        type: 'error',
        data: { code: 'TURN_INTERRUPTED', session_usable: true },
      });
      llm.release('cluster-failover');
      const next = await send(a, sessionId, 'after the takeover');
      expect(await watcher.recorder.turnEnd(next)).toMatchObject({
        type: 'final_response',
        data: { content: 'Echo: after the takeover' },
      });
      expect((await fetch(`${a.url}/api/v3/sessions/${sessionId}`).then((r) => r.json())) as object).toMatchObject({
        node: 'node-a',
      });
      await b.start();
    });
  });
});

describe('Two nodes on a Redis Cluster with a replica per master (e2e)', () => {
  clusterSuite(1, (nodes) => {
    it('should go on, with no restart, once a killed master has been replaced by its replica', async () => {
      const { a, b, cluster } = nodes();
      const sessionId = await createSession(a.url);
      const before = await postJson(`${b.url}/chat`, { session_id: sessionId, message: 'before the failover' });
      expect(before.status).toBe(200);

      const [master] = await cluster.masters();
      await cluster.kill(master);
      // Until the replica is promoted, a request either succeeds or answers 503 STORE_UNAVAILABLE.
      const refusals = new Set<string>();
      await waitUntil(
        async () => {
          const created = await postJson(`${a.url}/api/v3/sessions`);
          if (created.status !== 201) {
            expect(created.status).toBe(503);
            refusals.add(((await created.json()) as { error: { code: string } }).error.code);
            return false;
          }
          return !(await cluster.masters()).includes(master);
        },
        'the replica to take over',
        60_000,
      );
      expect([...refusals].filter((code) => code !== 'STORE_UNAVAILABLE')).toEqual([]);
      // Each node learns the new layout on its own (MOVED, or its periodic refresh of the slots).
      const recovered = { redis: { status: 'up', cluster: { state: 'ok', masters: 3, masters_reached: 3 } } };
      for (const node of [a, b]) {
        await waitUntil(
          async () => {
            const { status, body } = await health(node);
            const redis = (body.details as typeof recovered | undefined)?.redis;
            return status === 200 && JSON.stringify(redis?.cluster) === JSON.stringify(recovered.redis.cluster);
          },
          `node ${node.url} healthy with three masters reached`,
          30_000,
        );
        expect((await health(node)).body).toMatchObject({ details: recovered });
        expect((await health(node, '/health/ready')).status).toBe(200);
      }

      // The session made before and a new one both go on, on either node.
      const fresh = await createSession(b.url);
      for (const id of [sessionId, fresh]) {
        const answer = await postJson(`${b.url}/chat`, { session_id: id, message: 'after the failover' });
        expect({ status: answer.status, body: await answer.json() }).toMatchObject({
          status: 200,
          body: { response: 'Echo: after the failover' },
        });
      }
      const history = (await (await fetch(`${a.url}/api/v3/sessions/${sessionId}/messages`)).json()) as {
        messages: Array<{ content: string }>;
      };
      expect(history.messages.map((message) => message.content)).toEqual([
        'before the failover',
        'Echo: before the failover',
        'after the failover',
        'Echo: after the failover',
      ]);
    });
  });
});
