import { OAuthStore } from './oauth-store';

interface Entry {
  value: string;
  expiresAt?: number;
}

/** OAuth state in this process's memory: one node, gone on restart (users connect again). */
export class MemoryOAuthStore extends OAuthStore {
  private readonly entries = new Map<string, Entry>();
  private readonly locks = new Map<string, number>();

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry?.value;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: ttlMs === undefined ? undefined : Date.now() + ttlMs });
  }

  async take(key: string): Promise<string | undefined> {
    const value = await this.get(key);
    this.entries.delete(key);
    return value;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async lock(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const now = Date.now();
    if ((this.locks.get(key) ?? 0) > now) {
      return undefined;
    }
    const until = now + ttlMs;
    this.locks.set(key, until);
    return async () => {
      if (this.locks.get(key) === until) {
        this.locks.delete(key);
      }
    };
  }
}
