import type { Orphan } from './session-store';

/**
 * The memory store's view of nodes: each one's heartbeat deadline (0 once it left) and the sessions
 * it holds. One process has one node, but the contract specs share a store between named nodes.
 */
export class MemoryNodeHeartbeats {
  private readonly deadlines = new Map<string, number>();
  private readonly held = new Map<string, Set<string>>();

  /** True when the node's previous heartbeat had lapsed, or it had none. */
  beat(node: string, ttlMs: number): boolean {
    const deadline = this.deadlines.get(node);
    const now = Date.now();
    this.deadlines.set(node, now + ttlMs);
    return deadline === undefined || deadline <= now;
  }

  leave(node: string): void {
    this.deadlines.set(node, 0);
  }

  hold(node: string, id: string): void {
    let ids = this.held.get(node);
    if (!ids) {
      ids = new Set();
      this.held.set(node, ids);
    }
    ids.add(id);
  }

  forget(node: string, id: string): void {
    this.held.get(node)?.delete(id);
  }

  orphans(now: number, limit: number): Orphan[] {
    const found: Orphan[] = [];
    for (const [node, deadline] of this.deadlines) {
      if (deadline > now) {
        continue;
      }
      const ids = [...(this.held.get(node) ?? [])];
      if (ids.length === 0) {
        // Nothing left to take over from it: it is forgotten.
        this.deadlines.delete(node);
        this.held.delete(node);
        continue;
      }
      found.push(...ids.slice(0, limit - found.length).map((id) => ({ id, from: node })));
      if (found.length === limit) {
        break;
      }
    }
    return found;
  }
}
