/** A file a tool returned (an image, audio, a binary resource), kept for the people in the session. */
export interface Artifact {
  session_id: string;
  /** The principal whose session it is: only they fetch it. */
  owner: string;
  mime_type: string;
  data: Buffer;
  /** The resource's name or URI, when the tool gave one. */
  name?: string;
}

/**
 * Where artifacts live until ARTIFACT_TTL_MS is up: in this node's memory (bounded by
 * ARTIFACT_MEMORY_MAX_BYTES, the oldest going first), or in Redis for every node.
 */
export abstract class ArtifactStore {
  /** Keeps it for ttlMs under an unguessable id, which it returns. */
  abstract put(artifact: Artifact, ttlMs: number): Promise<string>;
  abstract get(sessionId: string, id: string): Promise<Artifact | undefined>;
}
