import { randomBytes } from 'node:crypto';

import { storeCall } from '../redis/redis-script';
import type { RedisService } from '../redis/redis.service';
import { ArtifactStore } from './artifact-store';
import type { Artifact, TicketTarget, ViewRecord } from './artifact-store';

/** Artifacts in Redis, for every node: a HASH per artifact (its data and who it is for), with an expiry. */
export class RedisArtifactStore extends ArtifactStore {
  constructor(private readonly redis: RedisService) {
    super();
  }

  async put(artifact: Artifact, ttlMs: number): Promise<string> {
    const id = randomBytes(16).toString('base64url');
    const key = this.redis.keys.artifact(artifact.session_id, id);
    const fields = {
      owner: artifact.owner,
      mime_type: artifact.mime_type,
      data: artifact.data,
      ...(artifact.name !== undefined ? { name: artifact.name } : {}),
      ...(artifact.view !== undefined ? { view: JSON.stringify(artifact.view) } : {}),
    };
    await storeCall(this.redis.commands.multi().hset(key, fields).pexpire(key, ttlMs).exec());
    return id;
  }

  async get(sessionId: string, id: string): Promise<Artifact | undefined> {
    const key = this.redis.keys.artifact(sessionId, id);
    const [fields, data] = await storeCall(
      Promise.all([
        this.redis.commands.hmget(key, 'owner', 'mime_type', 'name', 'view'),
        this.redis.commands.hgetBuffer(key, 'data'),
      ]),
    );
    const [owner, mime_type, name, view] = fields;
    if (!owner || !mime_type || !data) {
      return undefined;
    }
    return {
      session_id: sessionId,
      owner,
      mime_type,
      data,
      ...(name ? { name } : {}),
      ...(view ? { view: JSON.parse(view) as ViewRecord } : {}),
    };
  }

  async ticket(target: TicketTarget, ttlMs: number): Promise<string> {
    const ticket = randomBytes(24).toString('base64url');
    await storeCall(this.redis.commands.set(this.redis.keys.viewTicket(ticket), JSON.stringify(target), 'PX', ttlMs));
    return ticket;
  }

  async redeem(ticket: string): Promise<TicketTarget | undefined> {
    const target = await storeCall(this.redis.commands.getdel(this.redis.keys.viewTicket(ticket)));
    return target ? (JSON.parse(target) as TicketTarget) : undefined;
  }
}
