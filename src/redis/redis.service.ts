import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import type { ClusterNode, RedisOptions } from 'ioredis';

import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { parseClusterNodes, seedAddresses } from '../config/redis-cluster-nodes';
import type { ClusterSeeds } from '../config/redis-cluster-nodes';
import { redisKeys } from './redis-keys';
import type { RedisKeys } from './redis-keys';

// Reconnect back-off: quick at first, then every 2 s for as long as Redis is away.
const RECONNECT_MAX_MS = 2000;
// A command with no answer by then fails (STORE_UNAVAILABLE) rather than holding a turn or a request.
const COMMAND_TIMEOUT_MS = 5000;

export type RedisRole = 'commands' | 'subscriber';

/** What the cluster looks like from here, for /health. */
export interface ClusterHealth {
  state: string;
  masters: number;
  masters_reached: number;
}

/**
 * Owns the Redis connections, one per role: `commands` (auto-pipelined) and `subscriber` (sharded
 * pub/sub, re-subscribed after a reconnect). With REDIS_CLUSTER_NODES each is an ioredis Cluster
 * (MOVED/ASK and topology are its job; one sharded subscriber per master), typed as a Redis: every
 * command the app sends touches one slot, so the two answer alike. They are opened on first use,
 * so the memory backends never touch Redis; an unreachable Redis is retried for ever rather than
 * stopping the process.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  private readonly clients = new Map<RedisRole, Redis>();
  readonly keys: RedisKeys;
  /** True once the app is shutting down: a connection closing then is not an outage. */
  closing = false;

  private readonly seeds?: ClusterSeeds;

  constructor(@InjectAppConfig() private readonly config: AppConfig) {
    this.keys = redisKeys(config.REDIS_KEY_PREFIX);
    this.seeds = config.REDIS_CLUSTER_NODES ? parseClusterNodes(config.REDIS_CLUSTER_NODES) : undefined;
  }

  get cluster(): boolean {
    return this.seeds !== undefined;
  }

  get commands(): Redis {
    return this.client('commands');
  }

  get subscriber(): Redis {
    return this.client('subscriber');
  }

  /** The Redis URL without its password (a cluster: its seeds' host:port), for logs and health output. */
  get address(): string {
    if (this.seeds) {
      return `cluster ${seedAddresses(this.seeds)}`;
    }
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

  /** The cluster's state (CLUSTER INFO of a reachable node) and how many masters answer PING. */
  async clusterHealth(): Promise<ClusterHealth> {
    const cluster = this.commands as unknown as Cluster;
    const info = String(await cluster.cluster('INFO'));
    const masters = cluster.nodes('master');
    const reached = await Promise.all(
      masters.map((node) =>
        node.ping().then(
          () => 1,
          () => 0,
        ),
      ),
    );
    return {
      state: /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown',
      masters: masters.length,
      masters_reached: reached.reduce<number>((sum, one) => sum + one, 0),
    };
  }

  private connect(role: RedisRole): Redis {
    const url = this.config.REDIS_URL;
    if (!url && !this.seeds) {
      throw new Error('Redis is not configured (REDIS_URL and REDIS_CLUSTER_NODES are unset)');
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
    const client = this.seeds ? this.connectCluster(this.seeds, role, options) : new Redis(url as string, options);
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

  private connectCluster(seeds: ClusterSeeds, role: RedisRole, options: RedisOptions): Redis {
    const nodes: ClusterNode[] = seeds.nodes.map(({ host, port }) => ({ host, port }));
    const cluster = new Cluster(nodes, {
      clusterRetryStrategy: options.retryStrategy,
      enableOfflineQueue: true,
      enableAutoPipelining: options.enableAutoPipelining,
      shardedSubscribers: role === 'subscriber',
      // Slots move on failover: the table is refreshed on MOVED and every few seconds.
      slotsRefreshInterval: 5000,
      redisOptions: {
        connectionName: options.connectionName,
        maxRetriesPerRequest: options.maxRetriesPerRequest,
        autoResendUnfulfilledCommands: false,
        commandTimeout: options.commandTimeout,
        username: seeds.username,
        password: seeds.password,
        ...(seeds.tls ? { tls: {} } : {}),
      },
    });
    // Typed as a Redis: the app's commands each touch one slot, which is all a cluster asks.
    return cluster as unknown as Redis;
  }
}
