import { Inject, Injectable } from '@nestjs/common';
import type { Root } from '@modelcontextprotocol/client';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { LOCAL_PRINCIPAL, principalToken } from '../../auth/principal';
import { InjectAppConfig } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { authConfigured } from '../../config/validate-environment';
import { MCP_CONFIG } from './mcp-config';
import type { LoadedMcpConfig, McpServerConfig } from './mcp-config';
import { expandForSession } from './mcp-session-places';
import type { SessionPlaces } from './mcp-session-places';

/**
 * Where MCP servers find their files: the workspace (the roots of shared servers, and of every
 * session in single-user mode), each principal's ${USER_DIR}, and each session's ${SESSION_DIR}.
 */
@Injectable()
export class McpPlaces {
  /** With authentication, each session's servers see only their owner's folder as roots. */
  readonly perUser: boolean;
  readonly workspace: Root[];
  /** Where each session's ${SESSION_DIR} is made; this instance's own, removed at shutdown. */
  readonly sessionsRoot = join(tmpdir(), `mcp-host-${process.pid}-${randomBytes(4).toString('hex')}`);
  /** Where each principal's ${USER_DIR} is made; kept, so their servers find their state in later sessions. */
  readonly usersRoot: string;

  constructor(@Inject(MCP_CONFIG) config: LoadedMcpConfig, @InjectAppConfig() app: AppConfig) {
    this.perUser = authConfigured(app);
    this.workspace = [{ uri: pathToFileURL(config.workspaceDir).href, name: 'workspace' }];
    this.usersRoot = resolve(app.USERS_DIR);
  }

  /** The principal's private folder, named by its token (`key.ops`; a digest when the id is not a safe name). */
  userDir(userId: string): string {
    return join(this.usersRoot, principalToken(userId));
  }

  /** What a session's server sees as roots: its owner's folder when users are kept apart, else the workspace. */
  rootsFor(owner: string): Root[] {
    return this.perUser ? [{ uri: pathToFileURL(this.userDir(owner)).href, name: 'your folder' }] : this.workspace;
  }

  /** The roots of a client no session owns yet (pre-started, or listing the catalog): none when users are kept apart. */
  get unowned(): Root[] {
    return this.perUser ? [] : this.workspace;
  }

  /**
   * A server's config as the pool starts it. Single-user, the one principal's places are known now,
   * so servers that only use those (the bundled memory server) can be pre-started too; with users
   * kept apart they cannot.
   */
  pooled(server: McpServerConfig): McpServerConfig {
    const local = { userId: LOCAL_PRINCIPAL.id, userDir: this.userDir(LOCAL_PRINCIPAL.id) };
    return this.perUser ? server : expandForSession(server, local);
  }

  /** What the catalog's own clients are filled in with: folders of its own, or the one user's in single-user mode. */
  catalog(): SessionPlaces {
    return {
      sessionId: 'catalog',
      sessionDir: join(this.sessionsRoot, 'catalog'),
      userId: this.perUser ? 'catalog' : LOCAL_PRINCIPAL.id,
      userDir: this.perUser ? join(this.sessionsRoot, 'catalog-user') : this.userDir(LOCAL_PRINCIPAL.id),
    };
  }

  /** Removes every session's folder (at shutdown, once their servers have stopped). */
  async removeSessionFolders(): Promise<void> {
    await rm(this.sessionsRoot, { recursive: true, force: true });
  }
}
