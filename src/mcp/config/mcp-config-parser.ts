import { isAbsolute, resolve } from 'node:path';

import { findOnPath, isExecutable } from './command-path';
import type { McpServerConfig, RemoteServerConfig } from './mcp-config';
import { parsePolicy, stringList } from './mcp-config-policy';
import type { Fail } from './mcp-config-policy';
import { parseSandbox, SANDBOX_OFF } from './mcp-sandbox-config';
import type { SandboxPolicy } from './mcp-sandbox-config';

/** Filled in per session (and its principal) by the MCP layer, so a server started for one session serves only it. */
export const SESSION_PLACEHOLDERS = ['SESSION_ID', 'SESSION_DIR', 'USER_ID', 'USER_DIR'];

const COMMON_KEYS = [
  'type',
  'disabled',
  'scope',
  'protocol',
  'timeout_ms',
  'max_timeout_ms',
  'allowed_tools',
  'blocked_tools',
  'require_approval',
  'approval_tools',
];
const STDIO_KEYS = new Set([...COMMON_KEYS, 'command', 'args', 'env', 'cwd', 'sandbox']);
const REMOTE_KEYS = new Set([...COMMON_KEYS, 'url', 'headers', 'oauth']);
const OAUTH_KEYS = new Set(['client_id', 'client_secret', 'scope', 'client_metadata_url']);
const TYPES: Record<string, McpServerConfig['transport']> = {
  stdio: 'stdio',
  http: 'http',
  'streamable-http': 'http',
  streamableHttp: 'http',
  sse: 'sse',
};

export class McpConfigError extends Error {
  constructor(source: string, server: string | undefined, problem: string) {
    super(`Invalid MCP config ${source}${server ? `: server "${server}"` : ''}: ${problem}`);
  }
}

/** What parsing needs from outside: where variables come from and where relative paths start. */
export interface ParseContext {
  source: string;
  env: Readonly<Record<string, string | undefined>>;
  workspaceDir: string;
  /** MCP_SANDBOX and the places no sandbox shows; absent, MCP_SANDBOX is off. */
  sandbox?: SandboxPolicy;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `${VAR}` and `${VAR:-default}` from the environment, so secrets stay out of the file. The session
 * placeholders are left for the MCP layer; `${WORKSPACE_DIR}` is the configured workspace.
 */
function expandVariables(value: string, field: string, context: ParseContext, fail: Fail): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (match, name: string, fallback?: string) => {
    if (SESSION_PLACEHOLDERS.includes(name)) {
      return match;
    }
    if (name === 'WORKSPACE_DIR') {
      return resolve(context.workspaceDir);
    }
    const found = context.env[name];
    if (found !== undefined && found !== '') {
      return found;
    }
    if (fallback !== undefined) {
      return fallback;
    }
    return fail(`"${field}" uses \${${name}}, which is not set in the environment`);
  });
}

function stringRecord(value: unknown, field: string, context: ParseContext, fail: Fail): Record<string, string> {
  if (value === undefined) {
    return {};
  }
  if (!isRecord(value) || Object.values(value).some((item) => typeof item !== 'string')) {
    return fail(`"${field}" must be an object of strings`);
  }
  return Object.fromEntries(
    Object.entries(value as Record<string, string>).map(([key, item]) => [
      key,
      expandVariables(item, `${field}.${key}`, context, fail),
    ]),
  );
}

/** A command that cannot run fails start-up, not the first turn that needs it. */
function assertRunnable(
  command: string,
  cwd: string | undefined,
  env: Record<string, string>,
  context: ParseContext,
  fail: Fail,
) {
  if (command.includes('${')) {
    // Filled per session; checked when it starts.
    return;
  }
  if (command.includes('/')) {
    const path = isAbsolute(command) ? command : resolve(cwd ?? '.', command);
    if (!isExecutable(path)) {
      fail(`"command" ${JSON.stringify(command)} does not exist or is not executable (${path})`);
    }
    return;
  }
  const searchPath = env.PATH ?? context.env.PATH ?? '';
  if (!findOnPath(command, searchPath)) {
    fail(`"command" ${JSON.stringify(command)} was not found on PATH`);
  }
}

function transportOf(entry: Record<string, unknown>, fail: Fail): McpServerConfig['transport'] {
  if (entry.type !== undefined) {
    const transport = typeof entry.type === 'string' ? TYPES[entry.type] : undefined;
    return (
      transport ?? fail(`"type" must be one of ${Object.keys(TYPES).join(', ')}, got ${JSON.stringify(entry.type)}`)
    );
  }
  if (entry.command !== undefined) {
    return 'stdio';
  }
  if (entry.url !== undefined) {
    return 'http';
  }
  return fail('needs a non-empty "command" (stdio) or a "url" (Streamable HTTP or SSE)');
}

function assertKnownKeys(entry: Record<string, unknown>, allowed: Set<string>, kind: string, fail: Fail): void {
  const unknown = Object.keys(entry).find((key) => !allowed.has(key));
  if (unknown) {
    fail(`unknown field "${unknown}" (a ${kind} server takes ${[...allowed].join(', ')})`);
  }
}

function parseServer(name: string, entry: unknown, context: ParseContext): McpServerConfig {
  const fail: Fail = (problem) => {
    throw new McpConfigError(context.source, name, problem);
  };
  if (!isRecord(entry)) {
    return fail('must be an object with "command" (stdio) or "url" (Streamable HTTP or SSE)');
  }
  const transport = transportOf(entry, fail);
  const policy = parsePolicy(entry, fail);
  if (transport === 'stdio') {
    assertKnownKeys(entry, STDIO_KEYS, 'stdio', fail);
    if (typeof entry.command !== 'string' || entry.command.trim() === '') {
      fail('"command" must be a non-empty string');
    }
    if (entry.cwd !== undefined && typeof entry.cwd !== 'string') {
      fail('"cwd" must be a string');
    }
    const expand = (value: string, field: string) => expandVariables(value, field, context, fail);
    const command = expand(entry.command as string, 'command');
    const args = (stringList(entry.args, 'args', fail) ?? []).map((arg, index) => expand(arg, `args[${index}]`));
    const env = stringRecord(entry.env, 'env', context, fail);
    const cwd = entry.cwd === undefined ? undefined : expand(entry.cwd as string, 'cwd');
    const sandbox = parseSandbox(entry.sandbox, context.sandbox ?? SANDBOX_OFF, fail);
    const server: McpServerConfig = { name, transport, command, args, env, cwd, sandbox, ...policy };
    if (
      policy.scope === 'shared' &&
      SESSION_PLACEHOLDERS.some((key) => JSON.stringify(server).includes(`\${${key}}`))
    ) {
      fail(
        'a "shared" server cannot use ${SESSION_ID}, ${SESSION_DIR}, ${USER_ID} or ${USER_DIR}: one process serves every session',
      );
    }
    if (!policy.disabled) {
      assertRunnable(command, cwd, env, context, fail);
    }
    return server;
  }
  if (entry.sandbox !== undefined) {
    fail('"sandbox" applies to stdio servers only: a remote server is not a process of this host');
  }
  assertKnownKeys(entry, REMOTE_KEYS, 'remote', fail);
  if (typeof entry.url !== 'string') {
    return fail('"url" must be a string');
  }
  const url = expandVariables(entry.url, 'url', context, fail);
  if (!/^https?:\/\/\S+$/.test(url) || !URL.canParse(url)) {
    fail(`"url" must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  const headers = stringRecord(entry.headers, 'headers', context, fail);
  const oauth = parseOAuth(entry.oauth, context, fail);
  return { name, transport, url, headers, ...(oauth ? { oauth } : {}), ...policy };
}

/** `"oauth": {client_id?, client_secret?, scope?, client_metadata_url?}` of a remote server. */
function parseOAuth(value: unknown, context: ParseContext, fail: Fail): RemoteServerConfig['oauth'] {
  if (value === undefined) {
    return undefined;
  }
  if (!isRecord(value)) {
    return fail('"oauth" must be an object');
  }
  const unknown = Object.keys(value).filter((key) => !OAUTH_KEYS.has(key));
  if (unknown.length > 0) {
    fail(`unknown key(s) in "oauth": ${unknown.join(', ')} (known: ${[...OAUTH_KEYS].join(', ')})`);
  }
  const text = (key: string): string | undefined => {
    const item = value[key];
    if (item === undefined) {
      return undefined;
    }
    return typeof item === 'string'
      ? expandVariables(item, `oauth.${key}`, context, fail)
      : fail(`"oauth.${key}" must be a string`);
  };
  const metadataUrl = text('client_metadata_url');
  if (metadataUrl !== undefined && !/^https:\/\/[^/]+\/.+/.test(metadataUrl)) {
    fail('"oauth.client_metadata_url" must be an https URL with a path (a Client ID Metadata Document)');
  }
  return {
    clientId: text('client_id'),
    clientSecret: text('client_secret'),
    scope: text('scope'),
    clientMetadataUrl: metadataUrl,
  };
}

/** Parses Claude Desktop's `{"mcpServers": {...}}` format; errors name the server and the field. */
export function parseMcpConfig(json: unknown, context: ParseContext): McpServerConfig[] {
  if (!isRecord(json) || !isRecord(json.mcpServers)) {
    throw new McpConfigError(context.source, undefined, 'expected an object with "mcpServers": {"<name>": {...}}');
  }
  return Object.entries(json.mcpServers).map(([name, entry]) => {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      throw new McpConfigError(context.source, name, 'a server name may use only letters, digits, "_" and "-" (1-64)');
    }
    return parseServer(name, entry, context);
  });
}
