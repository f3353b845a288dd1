/** How a user's server asks before its tools run, as an operator's `require_approval`. */
export type ApprovalMode = 'never' | 'always' | 'writes';

/** A remote MCP server a principal added for their own chats. */
export interface UserServer {
  /** 1–32 letters, digits, `_`, `-`; unique among its owner's, and unlike any MCP_CONFIG server. */
  name: string;
  url: string;
  type: 'streamable-http' | 'sse';
  enabled: boolean;
  require_approval: ApprovalMode;
  approval_tools: string[];
  /** Header name → its value sealed (SecretBox): never stored in clear. */
  headers: Record<string, string>;
  created_at: number;
  updated_at: number;
}

export type Creation = 'created' | 'taken' | 'limit';

/**
 * Where each principal's own servers live: this node's memory, or Redis for every node (added on
 * one node, listed and used on every node at once). Creating checks the name and the principal's
 * bound in one atomic step. One contract spec runs on every implementation.
 */
export abstract class UserServerStore {
  /** The owner's servers, by name. */
  abstract list(owner: string): Promise<UserServer[]>;
  abstract get(owner: string, name: string): Promise<UserServer | undefined>;
  /** Stores it unless the owner has one of that name ('taken') or `max` already ('limit'). */
  abstract create(owner: string, server: UserServer, max: number): Promise<Creation>;
  /** Replaces a stored one (the name stays); false when the owner has none of that name. */
  abstract update(owner: string, server: UserServer): Promise<boolean>;
  abstract delete(owner: string, name: string): Promise<boolean>;
}
