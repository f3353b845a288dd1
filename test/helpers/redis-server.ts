import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { validateEnvironment } from '../../src/config/validate-environment';
import { RedisService } from '../../src/redis/redis.service';
import { freePort } from './ports';

/** A real redis-server (Debian's package) on a free loopback port, for one test file. */
export interface RedisServer {
  url: string;
  port: number;
  /** Stops it with SHUTDOWN SAVE, so a restart finds the data (as a Redis with persistence would). */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder. */
  start(): Promise<void>;
  /** Stops it and removes its folder; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts redis-server with its files in a temporary folder (no snapshots unless stopped, no AOF);
 * whoever starts it closes it, also when a test fails.
 */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mcp-host-redis-'));
  let child: ChildProcess | undefined;

  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
    const process = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = process;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      process.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          resolve();
        }
      });
      process.once('error', reject);
      process.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)));
    });
  };

  const stop = async (save: boolean) => {
    const process = child;
    child = undefined;
    if (!process || process.exitCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => process.once('exit', resolve));
    if (save) {
      // Saves dump.rdb in its folder even with no save points configured, then exits.
      const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
      await client.call('SHUTDOWN', 'SAVE').catch(() => undefined);
      client.disconnect();
    } else {
      process.kill('SIGTERM');
    }
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    stop: () => stop(true),
    start,
    close: async () => {
      await stop(false);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * For a contract spec run over backends (`describe.each`): with `redis`, a real server for the block
 * and the app's RedisService on it, emptied before each test; with any other backend, nothing.
 * Call it first in the block; it gives the current service (undefined for other backends).
 */
export function redisForBackend(backend: string): () => RedisService | undefined {
  let server: RedisServer | undefined;
  let redis: RedisService | undefined;
  beforeAll(async () => {
    if (backend === 'redis') {
      server = await startRedis();
      redis = new RedisService(validateEnvironment({ REDIS_URL: server.url }));
    }
  });
  afterAll(async () => {
    await redis?.onApplicationShutdown();
    await server?.close();
  });
  beforeEach(async () => {
    await redis?.commands.flushdb();
  });
  return () => redis;
}
