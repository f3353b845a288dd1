import { OAuthStore } from './oauth-store';

// Expired entries (flows nobody completed) are swept on a write once the map has doubled since the
// last sweep, and at this size at the least: amortized O(1) per write.
const SWEEP_ABOVE = 1000;

interface Entry {
  value: string;
  expiresAt?: number;
}

/** OAuth state in this process's memory: one node, gone on restart (users connect again). */
export class MemoryOAuthStore extends OAuthStore {
  private readonly entries = new Map<string, Entry>();
  private readonly locks = new Map<string, number>();
  private sweepAt = SWEEP_ABOVE;

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry?.value;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const now = Date.now();
    if (this.entries.size >= this.sweepAt) {
      for (const [name, entry] of this.entries) {
        if (entry.expiresAt !== undefined && entry.expiresAt <= now) {
          this.entries.delete(name);
        }
      }
      this.sweepAt = Math.max(SWEEP_ABOVE, 2 * this.entries.size);
    }
    this.entries.set(key, { value, expiresAt: ttlMs === undefined ? undefined : now + ttlMs });
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
