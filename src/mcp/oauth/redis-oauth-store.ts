import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import { RedisScript, storeCall } from '../../redis/redis-script';
import type { RedisService } from '../../redis/redis.service';
import { OAuthStore } from './oauth-store';

/** OAuth state in Redis, shared by every node; a lock is a key set if absent, with an expiry. */
export class RedisOAuthStore extends OAuthStore {
  private readonly unlock: RedisScript<number>;

  constructor(private readonly redis: RedisService) {
    super();
    this.unlock = new RedisScript<number>(redis.commands, join(__dirname, 'lua'), 'unlock.lua', 1);
  }

  private key(key: string): string {
    return this.redis.keys.oauth(key);
  }

  async get(key: string): Promise<string | undefined> {
    return (await storeCall(this.redis.commands.get(this.key(key)))) ?? undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const name = this.key(key);
    await storeCall(
      ttlMs === undefined ? this.redis.commands.set(name, value) : this.redis.commands.set(name, value, 'PX', ttlMs),
    );
  }

  async take(key: string): Promise<string | undefined> {
    return (await storeCall(this.redis.commands.getdel(this.key(key)))) ?? undefined;
  }

  async delete(key: string): Promise<void> {
    await storeCall(this.redis.commands.del(this.key(key)));
  }

  async lock(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const name = this.key(`lock:${key}`);
    const token = randomUUID();
    const taken = await storeCall(this.redis.commands.set(name, token, 'PX', ttlMs, 'NX'));
    if (taken !== 'OK') {
      return undefined;
    }
    return async () => void (await this.unlock.run([name], [token]));
  }
}
