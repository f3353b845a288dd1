import type { CallToolResult } from '@modelcontextprotocol/client';

import type { ViewResource } from '../mcp/extensions/mcp-apps';

/** A file a tool returned (an image, audio, a binary resource), kept for the people in the session. */
export interface Artifact {
  session_id: string;
  /** The principal whose session it is: only they fetch it. */
  owner: string;
  mime_type: string;
  data: Buffer;
  /** The resource's name or URI, when the tool gave one. */
  name?: string;
  /** For an MCP Apps view (its HTML is `data`): what the host side of its bridge needs. */
  view?: ViewRecord;
}

/** An MCP Apps view, as a tool call showed it: where it came from, and that call. */
export interface ViewRecord extends Omit<ViewResource, 'html' | 'refused'> {
  server: string;
  tool: { name: string; description: string; input_schema: Record<string, unknown> };
  arguments: Record<string, unknown>;
  /** The call's result as the server sent it. */
  result: CallToolResult;
}

/** What a view ticket opens: one artifact of one session. */
export interface TicketTarget {
  session_id: string;
  id: string;
}

/**
 * Where artifacts live until ARTIFACT_TTL_MS is up: in this node's memory (bounded by
 * ARTIFACT_MEMORY_MAX_BYTES, the oldest going first), or in Redis for every node.
 */
export abstract class ArtifactStore {
  /** Keeps it for ttlMs under an unguessable id, which it returns. */
  abstract put(artifact: Artifact, ttlMs: number): Promise<string>;
  abstract get(sessionId: string, id: string): Promise<Artifact | undefined>;
  /** An unguessable ticket that opens the artifact once, within ttlMs (an iframe cannot send a credential). */
  abstract ticket(target: TicketTarget, ttlMs: number): Promise<string>;
  /** What the ticket opens, the first time only; undefined when unknown, used or expired. */
  abstract redeem(ticket: string): Promise<TicketTarget | undefined>;
}
