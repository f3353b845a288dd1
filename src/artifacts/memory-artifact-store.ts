import { randomBytes } from 'node:crypto';

import { ArtifactStore } from './artifact-store';
import type { Artifact, TicketTarget } from './artifact-store';

// Tickets live seconds; this bounds them whatever the rate they are asked for.
const MAX_TICKETS = 10_000;

interface Entry {
  artifact: Artifact;
  expiresAt: number;
}

/** Artifacts in this process's memory, within a byte budget: the oldest (or expired) go first. */
export class MemoryArtifactStore extends ArtifactStore {
  /** In insertion order, which is expiry order too (one TTL for all). */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly tickets = new Map<string, { target: TicketTarget; expiresAt: number }>();

  constructor(private readonly maxBytes: number) {
    super();
  }

  async put(artifact: Artifact, ttlMs: number): Promise<string> {
    const id = randomBytes(16).toString('base64url');
    this.evict(artifact.data.length);
    this.entries.set(`${artifact.session_id}/${id}`, { artifact, expiresAt: Date.now() + ttlMs });
    this.bytes += artifact.data.length;
    return id;
  }

  async get(sessionId: string, id: string): Promise<Artifact | undefined> {
    const entry = this.entries.get(`${sessionId}/${id}`);
    return entry && entry.expiresAt > Date.now() ? entry.artifact : undefined;
  }

  async ticket(target: TicketTarget, ttlMs: number): Promise<string> {
    const ticket = randomBytes(24).toString('base64url');
    // In insertion order, which is expiry order too: the expired (and beyond the cap, the oldest) go first.
    const now = Date.now();
    for (const [key, entry] of this.tickets) {
      if (entry.expiresAt > now && this.tickets.size < MAX_TICKETS) {
        break;
      }
      this.tickets.delete(key);
    }
    this.tickets.set(ticket, { target, expiresAt: now + ttlMs });
    return ticket;
  }

  async redeem(ticket: string): Promise<TicketTarget | undefined> {
    const entry = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    return entry && entry.expiresAt > Date.now() ? entry.target : undefined;
  }

  /** Makes room for `incoming` bytes: expired entries, then the oldest. */
  private evict(incoming: number): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now && this.bytes + incoming <= this.maxBytes) {
        return;
      }
      this.entries.delete(key);
      this.bytes -= entry.artifact.data.length;
    }
  }
}
