import { Redis } from 'ioredis';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { freePort } from './ports';
import { waitUntil } from './wait';

/** A real Redis Cluster on loopback: Debian's redis-server with --cluster-enabled, joined by redis-cli. */
export interface RedisCluster {
  /** Every node's port, masters first as created. */
  ports: number[];
  /** REDIS_CLUSTER_NODES for the app: the masters as seeds. */
  seeds: string;
  /** Kills one node (SIGKILL), as a crashed machine would. */
  kill(port: number): Promise<void>;
  /** Ports of the nodes that are masters now. */
  masters(): Promise<number[]>;
  /** Empties every master. */
  flush(): Promise<void>;
  /** Stops every node and removes their folders; safe to call twice. */
  close(): Promise<void>;
}

const run = promisify(execFile);

/**
 * `masters` masters with `replicas` replicas each, created with `redis-cli --cluster create`, on free
 * loopback ports, with a short node timeout so a failover takes seconds. Whoever starts it closes it.
 */
export async function startRedisCluster(masters = 3, replicas = 0): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-host-cluster-'));
  const children = new Map<number, ChildProcess>();
  const ports: number[] = [];
  const close = async () => {
    await Promise.all([...children.keys()].map((port) => stop(port)));
    rmSync(dir, { recursive: true, force: true });
  };
  const stop = async (port: number) => {
    const child = children.get(port);
    children.delete(port);
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await freePort();
      ports.push(port);
      children.set(port, await startNode(join(dir, String(port)), port));
    }
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    await waitUntil(
      async () => (await Promise.all(ports.map(stateOk))).every(Boolean),
      'the cluster state to be ok',
      30_000,
    );
    // A replica that has not synced with its master yet would not take over from it.
    await waitUntil(
      async () => (await Promise.all(ports.map(replicaSynced))).every(Boolean),
      'every replica to sync',
      30_000,
    );
  } catch (error) {
    await close();
    throw error;
  }
  // As the live nodes see it (CLUSTER NODES): masters that are not failing and serve slots.
  const masterPorts = async () => {
    for (const port of ports.filter((live) => children.has(live))) {
      const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        return String(await client.cluster('NODES'))
          .split('\n')
          .map((line) => line.split(' '))
          .filter(([, , flags, , , , , , slots]) => /master/.test(flags ?? '') && !/fail/.test(flags ?? '') && slots)
          .map(([, address]) => Number(/:(\d+)@/.exec(address)?.[1]));
      } catch {
        // That node is not answering: ask another.
      } finally {
        client.disconnect();
      }
    }
    throw new Error('no node of the cluster answers');
  };
  return {
    ports,
    seeds: ports
      .slice(0, masters)
      .map((port) => `127.0.0.1:${port}`)
      .join(','),
    kill: stop,
    masters: masterPorts,
    flush: async () => {
      for (const port of await masterPorts()) {
        const client = new Redis(port, '127.0.0.1');
        await client.flushall();
        client.disconnect();
      }
    },
    close,
  };
}

async function startNode(dir: string, port: number): Promise<ChildProcess> {
  mkdirSync(dir);
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    `nodes-${port}.conf`,
    '--cluster-node-timeout',
    '2000',
    '--save',
    '',
    '--appendonly',
    'no',
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        resolve();
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)));
  });
  return child;
}

/** True for a master, or for a replica whose link to its master is up. */
async function replicaSynced(port: number): Promise<boolean> {
  const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    const info = String(await client.info('replication'));
    return info.includes('role:master') || info.includes('master_link_status:up');
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function stateOk(port: number): Promise<boolean> {
  const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    return /cluster_state:ok/.test(String(await client.cluster('INFO')));
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
