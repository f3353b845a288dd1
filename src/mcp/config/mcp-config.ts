import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { McpConfigError, parseMcpConfig } from './mcp-config-parser';
import { DEFAULT_POLICY } from './mcp-config-policy';
import { appDirectory } from './mcp-sandbox-config';
import type { SandboxPolicy, SandboxSetting } from './mcp-sandbox-config';

/** The optional keys this host adds to Claude Desktop's format, with their defaults applied. */
export interface ServerPolicy {
  /** session: a client per session (stateful servers); shared: one client for every session. */
  scope: 'session' | 'shared';
  /** The MCP revision to speak: auto discovers it (2026-07-28 if the server offers it) and falls back. */
  protocol: ProtocolChoice;
  disabled: boolean;
  /** Per tool call, restarted by each progress notification... */
  timeoutMs: number;
  /** ...up to this hard cap. */
  maxTimeoutMs: number;
  /** When set, only these tools reach the model. */
  allowedTools?: string[];
  blockedTools: string[];
  /** Which calls wait for the user's approval; unset: MCP_APPROVAL_DEFAULT. */
  requireApproval?: ApprovalMode;
  /** Tools that always wait for approval, whatever requireApproval says. */
  approvalTools: string[];
}

export type ProtocolChoice = 'auto' | '2025-11-25' | '2026-07-28';

/** never; always; writes: every tool not annotated readOnlyHint: true. */
export type ApprovalMode = 'never' | 'always' | 'writes';

export interface StdioServerConfig extends ServerPolicy {
  name: string;
  transport: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Whether it runs in a bubblewrap sandbox (MCP_SANDBOX, or its own `sandbox` key), and how. */
  sandbox: SandboxSetting;
}

export interface RemoteServerConfig extends ServerPolicy {
  name: string;
  /** http: Streamable HTTP, falling back to legacy SSE when refused; sse: legacy SSE only. */
  transport: 'http' | 'sse';
  url: string;
  headers: Record<string, string>;
  /** For servers that demand OAuth: a pre-registered client, the scope to ask, a Client ID Metadata Document. */
  oauth?: {
    clientId?: string;
    clientSecret?: string;
    scope?: string;
    clientMetadataUrl?: string;
  };
}

export type McpServerConfig = StdioServerConfig | RemoteServerConfig;

const DEFAULT_CONFIG_PATH = './mcp.config.json';

/** Resolves a package's bin script so the default servers run from node_modules with this Node. */
const packageScript = (specifier: string): string => require.resolve(specifier);

/**
 * Filesystem rooted at the workspace (single-user) or at each principal's own folder (with
 * authentication), and a memory server keeping one graph per principal.
 */
export function defaultMcpServers(workspaceDir: string, perUser = false, sandboxed = false): McpServerConfig[] {
  const sandbox: SandboxSetting = sandboxed ? { enabled: true, readOnly: [], writable: [] } : { enabled: false };
  return [
    {
      name: 'filesystem',
      transport: 'stdio',
      command: process.execPath,
      args: [
        packageScript('@modelcontextprotocol/server-filesystem/dist/index.js'),
        perUser ? '${USER_DIR}' : resolve(workspaceDir),
      ],
      env: {},
      sandbox,
      ...DEFAULT_POLICY,
    },
    {
      name: 'memory',
      transport: 'stdio',
      command: process.execPath,
      args: [packageScript('@modelcontextprotocol/server-memory/dist/index.js')],
      env: { MEMORY_FILE_PATH: '${USER_DIR}/memory.jsonl' },
      sandbox,
      ...DEFAULT_POLICY,
    },
  ];
}

/** Injection token of the LoadedMcpConfig, read once at start-up. */
export const MCP_CONFIG = Symbol('MCP_CONFIG');

export interface LoadedMcpConfig {
  /** Every configured server, disabled ones included (they are listed, never started). */
  servers: McpServerConfig[];
  /** The file read, or "default" for the bundled servers. */
  source: string;
  workspaceDir: string;
}

/**
 * `perUser`: authentication is on, so the bundled servers keep each principal's files and graph
 * apart. `sandbox`: MCP_SANDBOX and USERS_DIR, which no server's extra sandbox paths may show.
 */
export function loadMcpConfig(
  configPath: string,
  workspaceDir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  perUser = false,
  sandbox: Pick<SandboxPolicy, 'mode' | 'usersDir'> = { mode: 'off', usersDir: '' },
): LoadedMcpConfig {
  const path = resolve(configPath);
  const workspace = resolve(workspaceDir);
  const policy: SandboxPolicy = { ...sandbox, appDir: appDirectory(), configFile: path };
  if (!existsSync(path)) {
    if (configPath !== DEFAULT_CONFIG_PATH) {
      throw new McpConfigError(path, undefined, 'MCP_CONFIG names a file that does not exist');
    }
    // The filesystem server refuses to start on a folder that does not exist.
    mkdirSync(workspace, { recursive: true });
    const servers = defaultMcpServers(workspace, perUser, sandbox.mode === 'on');
    return { servers, source: 'default', workspaceDir: workspace };
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new McpConfigError(path, undefined, `not valid JSON (${(error as Error).message})`);
  }
  const servers = parseMcpConfig(json, { source: path, env, workspaceDir: workspace, sandbox: policy });
  mkdirSync(workspace, { recursive: true });
  return { servers, source: path, workspaceDir: workspace };
}
