import { validateEnvironment } from '../../src/config/validate-environment';
import { RedisService } from '../../src/redis/redis.service';
import { MemorySessionStore } from '../../src/sessions/store/memory-session.store';
import { RedisSessionStore } from '../../src/sessions/store/redis-session.store';
import type { SessionStore } from '../../src/sessions/store/session-store';
import { startRedis } from './redis-server';

/** One SessionStore implementation, for the contract specs every implementation runs. */
export interface StoreBackend {
  store(): SessionStore;
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function memory(): Promise<StoreBackend> {
  let store = new MemorySessionStore();
  return {
    store: () => store,
    reset: async () => void (store = new MemorySessionStore()),
    close: async () => undefined,
  };
}

/** A real redis-server on a free loopback port, stopped by close(). */
async function redis(): Promise<StoreBackend> {
  const server = await startRedis();
  const service = new RedisService(validateEnvironment({ REDIS_URL: server.url }));
  const store = new RedisSessionStore(service, 60_000);
  return {
    store: () => store,
    reset: async () => void (await service.commands.flushdb()),
    close: async () => {
      await service.onApplicationShutdown();
      await server.close();
    },
  };
}

export const storeBackends: [string, () => Promise<StoreBackend>][] = [
  ['memory', memory],
  ['redis', redis],
];
