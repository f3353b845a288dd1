import { Redis } from 'ioredis';

import { startRedisCluster } from '../test/helpers/redis-cluster';
import { BenchApp } from './app';
import { SocketClient } from './clients';
import { TOOL_TURN, load } from './scenarios';
import type { Context, LoadResult } from './scenarios';
import { round, since } from './stats';

// App nodes and Redis masters.
const NODES = 3;
const MASTERS = 3;

export interface RedisClusterResult {
  nodes: number;
  masters: number;
  load: LoadResult;
  /** Commands a second each master served during the load. */
  commandsPerSecondByMaster: number[];
}

async function commandsServed(ports: number[]): Promise<number[]> {
  return Promise.all(
    ports.map(async (port) => {
      const client = new Redis(port, '127.0.0.1');
      try {
        return Number(/^total_commands_processed:(\d+)/m.exec(await client.info('stats'))?.[1] ?? 0);
      } finally {
        client.disconnect();
      }
    }),
  );
}

/**
 * 10. Three app nodes on a three-master Redis Cluster (REDIS_CLUSTER_NODES): concurrent sessions
 * spread over the nodes, each running tool turns; turns/s, latency, and what each master serves.
 */
export async function redisCluster(ctx: Context): Promise<RedisClusterResult> {
  const { concurrentSessions: sessions, concurrentTurns: turns } = ctx.sizes;
  const cluster = await startRedisCluster(MASTERS);
  const apps: BenchApp[] = [];
  const clients: SocketClient[] = [];
  try {
    for (let i = 0; i < NODES; i++) {
      apps.push(await BenchApp.start(ctx.env('shared', { REDIS_CLUSTER_NODES: cluster.seeds, NODE_ID: `bench-${i}` })));
    }
    const masters = await cluster.masters();
    const before = await commandsServed(masters);
    const start = performance.now();
    const result = await load(sessions, turns, async (i) => {
      const client = await SocketClient.connect(apps[i % NODES].url);
      clients.push(client);
      const sessionId = await client.newSession();
      return () => client.turn(sessionId, TOOL_TURN);
    });
    const seconds = since(start) / 1000;
    const after = await commandsServed(masters);
    const commandsPerSecondByMaster = after.map((count, i) => round((count - before[i]) / seconds, 0));
    ctx.log(
      `redis cluster: ${result.turnsPerSecond} turns/s on ${NODES} nodes, p50 ${result.p50} ms, commands/s by master ${commandsPerSecondByMaster.join(', ')}`,
    );
    return { nodes: NODES, masters: MASTERS, load: result, commandsPerSecondByMaster };
  } finally {
    clients.forEach((client) => client.close());
    await Promise.all(apps.map((app) => app.stop()));
    await cluster.close();
  }
}
