/**
 * Where OAuth state for remote MCP servers lives: registered clients and discovery per server,
 * tokens per server and principal, flows under way by their `state`. The memory store serves one
 * node; with Redis every node uses (and refreshes) the same tokens. Values are JSON strings.
 */
export abstract class OAuthStore {
  abstract get(key: string): Promise<string | undefined>;
  /** Stores the value, expiring after ttlMs when given. */
  abstract set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Reads and deletes in one step: a flow's `state` is used once. */
  abstract take(key: string): Promise<string | undefined>;
  abstract delete(key: string): Promise<void>;
  /** A lock held for at most ttlMs; undefined when someone holds it. Call the result to release it. */
  abstract lock(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
}
