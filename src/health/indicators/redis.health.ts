import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';

import { withTimeout } from '../../common/with-timeout';
import { InjectAppConfig } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { RedisService } from '../../redis/redis.service';

const PING_TIMEOUT_MS = 1000;

/**
 * Redis answers PING (a cluster: its state is ok), reported with its address (never its password),
 * this node's id and, for a cluster, its state and the masters that answer.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly redis: RedisService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const details = { address: this.redis.address, node: this.config.NODE_ID };
    try {
      if (!this.redis.cluster) {
        await withTimeout(this.redis.commands.ping(), PING_TIMEOUT_MS, 'PING');
        return indicator.up(details);
      }
      const cluster = await withTimeout(this.redis.clusterHealth(), PING_TIMEOUT_MS, 'CLUSTER INFO');
      return cluster.state === 'ok'
        ? indicator.up({ ...details, cluster })
        : indicator.down({ ...details, cluster, message: `Redis Cluster state is ${cluster.state}` });
    } catch (error) {
      return indicator.down({ ...details, message: `Redis is unreachable: ${(error as Error).message}` });
    }
  }
}
