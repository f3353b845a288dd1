import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';

import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { redisKeys } from './redis-keys';
import type { RedisKeys } from './redis-keys';

// Reconnect back-off: quick at first, then every 2 s for as long as Redis is away.
const RECONNECT_MAX_MS = 2000;
// A command with no answer by then fails (STORE_UNAVAILABLE) rather than holding a turn or a request.
const COMMAND_TIMEOUT_MS = 5000;

export type RedisRole = 'commands' | 'subscriber';

/**
 * Owns the Redis connections, one per role: `commands` (auto-pipelined) and `subscriber` (pub/sub,
 * re-subscribed after a reconnect). They are opened on first use, so the memory backends never
 * touch Redis; an unreachable Redis is retried for ever rather than stopping the process.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  private readonly clients = new Map<RedisRole, Redis>();
  readonly keys: RedisKeys;
  /** True once the app is shutting down: a connection closing then is not an outage. */
  closing = false;

  constructor(@InjectAppConfig() private readonly config: AppConfig) {
    this.keys = redisKeys(config.REDIS_KEY_PREFIX);
  }

  get commands(): Redis {
    return this.client('commands');
  }

  get subscriber(): Redis {
    return this.client('subscriber');
  }

  /** The Redis URL without its password, for logs and health output. */
  get address(): string {
    const url = new URL(this.config.REDIS_URL ?? 'redis://unset');
    url.password = '';
    url.username = '';
    return url.toString();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
  }

  private client(role: RedisRole): Redis {
    let client = this.clients.get(role);
    if (!client) {
      client = this.connect(role);
      this.clients.set(role, client);
    }
    return client;
  }

  private connect(role: RedisRole): Redis {
    const url = this.config.REDIS_URL;
    if (!url) {
      throw new Error('Redis is not configured (REDIS_URL is unset)');
    }
    const options: RedisOptions = {
      connectionName: `${this.config.REDIS_KEY_PREFIX}${this.config.NODE_ID}:${role}`,
      retryStrategy: (attempt) => Math.min(attempt * 100, RECONNECT_MAX_MS),
      // Commands wait for the first connection; while Redis is away they fail after one reconnect
      // attempt (STORE_UNAVAILABLE), and one in flight when the connection drops is never sent twice.
      enableOfflineQueue: true,
      maxRetriesPerRequest: 1,
      autoResendUnfulfilledCommands: false,
      commandTimeout: role === 'commands' ? COMMAND_TIMEOUT_MS : undefined,
      enableAutoPipelining: role === 'commands',
    };
    const client = new Redis(url, options);
    let failing = false;
    client.on('error', (error: Error) => {
      // ioredis reports every failed reconnect; one line per outage is enough.
      if (!failing) {
        failing = true;
        this.logger.error(`Redis ${role} connection to ${this.address} failed: ${error.message}; retrying`);
      }
    });
    client.on('ready', () => {
      this.logger.log(`Redis ${role} connection ${failing ? 'back' : 'ready'} (${this.address})`);
      failing = false;
    });
    return client;
  }
}
