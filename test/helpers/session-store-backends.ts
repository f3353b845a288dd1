import { validateEnvironment } from '../../src/config/validate-environment';
import type { SessionRecord } from '../../src/contract/session-record';
import { SessionStatus } from '../../src/contract/session-status';
import { RedisService } from '../../src/redis/redis.service';
import { MemorySessionEventLog } from '../../src/session-store/event-log/memory-session-event-log';
import { RedisSessionEventLog } from '../../src/session-store/event-log/redis-session-event-log';
import type { SessionEventLog } from '../../src/session-store/event-log/session-event-log';
import { MemorySessionStore } from '../../src/session-store/memory-session.store';
import { RedisSessionStore } from '../../src/session-store/redis-session.store';
import type { SessionStore } from '../../src/session-store/session-store';
import { startRedisCluster } from './redis-cluster';
import { startRedis } from './redis-server';

/** One SessionStore implementation, for the contract specs every implementation runs. */
export interface StoreBackend {
  store(): SessionStore;
  /** The event log the store appends a turn's last events to. */
  log(): SessionEventLog;
  reset(): Promise<void>;
  close(): Promise<void>;
}

// Events kept per session by the specs' logs.
const LOG_LIMIT = 100;

async function memory(): Promise<StoreBackend> {
  let log = new MemorySessionEventLog(LOG_LIMIT);
  let store = new MemorySessionStore(log);
  return {
    store: () => store,
    log: () => log,
    reset: async () => {
      log = new MemorySessionEventLog(LOG_LIMIT);
      store = new MemorySessionStore(log);
    },
    close: async () => undefined,
  };
}

export interface RedisStore {
  redis: RedisService;
  store: RedisSessionStore;
  log: RedisSessionEventLog;
  /** Closes the connections, then stops the server. */
  close(): Promise<void>;
}

/** A RedisSessionStore on a real redis-server on a free loopback port. */
export async function startRedisStore(): Promise<RedisStore> {
  const server = await startRedis();
  const redis = new RedisService(validateEnvironment({ REDIS_URL: server.url }));
  const log = new RedisSessionEventLog(redis, LOG_LIMIT, 60_000);
  return {
    redis,
    log,
    store: new RedisSessionStore(redis, 60_000, log),
    close: async () => {
      await redis.onApplicationShutdown();
      await server.close();
    },
  };
}

async function redis(): Promise<StoreBackend> {
  const { redis: service, store, log, close } = await startRedisStore();
  return { store: () => store, log: () => log, reset: async () => void (await service.commands.flushdb()), close };
}

/** A RedisSessionStore on a real three-master Redis Cluster. */
async function cluster(): Promise<StoreBackend> {
  const nodes = await startRedisCluster();
  const service = new RedisService(validateEnvironment({ REDIS_CLUSTER_NODES: nodes.seeds }));
  const log = new RedisSessionEventLog(service, LOG_LIMIT, 60_000);
  const store = new RedisSessionStore(service, 60_000, log);
  return {
    store: () => store,
    log: () => log,
    reset: () => nodes.flush(),
    close: async () => {
      await service.onApplicationShutdown();
      await nodes.close();
    },
  };
}

export const storeBackends: [string, () => Promise<StoreBackend>][] = [
  ['memory', memory],
  ['redis', redis],
  ['cluster', cluster],
];

/** The principal the contract specs' sessions belong to, unless told otherwise. */
export const OWNER = 'alice';

/** A new, idle session record created (and last active) at `at`. */
export const storedRecord = (id: string, at = 1, owner = OWNER): SessionRecord => ({
  id,
  owner,
  created_at: at,
  last_active_at: at,
  turns: 0,
  status: SessionStatus.IDLE,
  queued: 0,
  message_count: 0,
});

/** A sender that cannot start a turn at once: its messages queue. */
export const QUEUING_SENDER = { node: 'elsewhere', idle: false, historyLimit: 10 };
