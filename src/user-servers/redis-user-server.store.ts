import { join } from 'node:path';

import { RedisScript, storeCall } from '../redis/redis-script';
import type { RedisService } from '../redis/redis.service';
import { UserServerStore } from './user-server-store';
import type { Creation, UserServer } from './user-server-store';

/**
 * Users' servers on Redis: a HASH per principal (`user-servers:{<principal>}`, field = the server's
 * name, value = its JSON with header values sealed), so a principal's list is one HGETALL and every
 * node sees a change at once. Creating and updating are scripts (the name and bound checks).
 */
export class RedisUserServerStore extends UserServerStore {
  private readonly scripts;

  constructor(private readonly redis: RedisService) {
    super();
    const script = RedisScript.loader(redis.commands, join(__dirname, 'lua'));
    this.scripts = {
      create: script<Creation>('create-user-server.lua', 1),
      update: script<number>('update-user-server.lua', 1),
    };
  }

  async list(owner: string): Promise<UserServer[]> {
    const fields = await storeCall(this.redis.commands.hgetall(this.redis.keys.userServers(owner)));
    return Object.values(fields)
      .map((json) => JSON.parse(json) as UserServer)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(owner: string, name: string): Promise<UserServer | undefined> {
    const json = await storeCall(this.redis.commands.hget(this.redis.keys.userServers(owner), name));
    return json === null ? undefined : (JSON.parse(json) as UserServer);
  }

  create(owner: string, server: UserServer, max: number): Promise<Creation> {
    return this.scripts.create.run([this.redis.keys.userServers(owner)], [server.name, JSON.stringify(server), max]);
  }

  async update(owner: string, server: UserServer): Promise<boolean> {
    const key = this.redis.keys.userServers(owner);
    return (await this.scripts.update.run([key], [server.name, JSON.stringify(server)])) === 1;
  }

  async delete(owner: string, name: string): Promise<boolean> {
    return (await storeCall(this.redis.commands.hdel(this.redis.keys.userServers(owner), name))) === 1;
  }
}
