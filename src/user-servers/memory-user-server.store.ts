import { UserServerStore } from './user-server-store';
import type { Creation, UserServer } from './user-server-store';

/** Users' servers in this process (SESSION_STORE=memory): one node, gone with it. */
export class MemoryUserServerStore extends UserServerStore {
  private readonly owners = new Map<string, Map<string, UserServer>>();

  async list(owner: string): Promise<UserServer[]> {
    return [...(this.owners.get(owner)?.values() ?? [])]
      .map((server) => structuredClone(server))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(owner: string, name: string): Promise<UserServer | undefined> {
    const server = this.owners.get(owner)?.get(name);
    return server && structuredClone(server);
  }

  async create(owner: string, server: UserServer, max: number): Promise<Creation> {
    const servers = this.owners.get(owner) ?? new Map<string, UserServer>();
    if (servers.has(server.name)) {
      return 'taken';
    }
    if (servers.size >= max) {
      return 'limit';
    }
    servers.set(server.name, structuredClone(server));
    this.owners.set(owner, servers);
    return 'created';
  }

  async update(owner: string, server: UserServer): Promise<boolean> {
    const servers = this.owners.get(owner);
    if (!servers?.has(server.name)) {
      return false;
    }
    servers.set(server.name, structuredClone(server));
    return true;
  }

  async delete(owner: string, name: string): Promise<boolean> {
    const servers = this.owners.get(owner);
    const deleted = servers?.delete(name) ?? false;
    if (servers?.size === 0) {
      this.owners.delete(owner);
    }
    return deleted;
  }
}
