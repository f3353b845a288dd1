import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface StdioServerConfig {
  name: string;
  transport: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

export interface HttpServerConfig {
  name: string;
  transport: 'http';
  url: string;
  headers: Record<string, string>;
}

export type McpServerConfig = StdioServerConfig | HttpServerConfig;

const STDIO_KEYS = new Set(['command', 'args', 'env', 'cwd']);
const HTTP_KEYS = new Set(['url', 'headers', 'type']);
const DEFAULT_CONFIG_PATH = './mcp.config.json';

class McpConfigError extends Error {
  constructor(source: string, server: string | undefined, problem: string) {
    super(`Invalid MCP config ${source}${server ? `: server "${server}"` : ''}: ${problem}`);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function stringRecord(value: unknown, field: string, fail: (problem: string) => never): Record<string, string> {
  if (value === undefined) {
    return {};
  }
  if (!isRecord(value) || Object.values(value).some((item) => typeof item !== 'string')) {
    fail(`"${field}" must be an object of strings`);
  }
  return value as Record<string, string>;
}

function parseServer(name: string, entry: unknown, source: string): McpServerConfig {
  const fail = (problem: string): never => {
    throw new McpConfigError(source, name, problem);
  };
  if (!isRecord(entry)) {
    return fail('must be an object with "command" (stdio) or "url" (Streamable HTTP)');
  }
  if (typeof entry.command === 'string' && entry.command.trim() !== '') {
    const unknown = Object.keys(entry).find((key) => !STDIO_KEYS.has(key));
    if (unknown) {
      fail(`unknown field "${unknown}" (a stdio server takes ${[...STDIO_KEYS].join(', ')})`);
    }
    const args = entry.args ?? [];
    if (!Array.isArray(args) || args.some((arg) => typeof arg !== 'string')) {
      fail('"args" must be an array of strings');
    }
    if (entry.cwd !== undefined && typeof entry.cwd !== 'string') {
      fail('"cwd" must be a string');
    }
    return {
      name,
      transport: 'stdio',
      command: entry.command,
      args: args as string[],
      env: stringRecord(entry.env, 'env', fail),
      cwd: entry.cwd as string | undefined,
    };
  }
  if (typeof entry.url === 'string') {
    const unknown = Object.keys(entry).find((key) => !HTTP_KEYS.has(key));
    if (unknown) {
      fail(`unknown field "${unknown}" (a remote server takes ${[...HTTP_KEYS].join(', ')})`);
    }
    if (!/^https?:\/\/\S+$/.test(entry.url)) {
      fail(`"url" must be an http(s) URL, got ${JSON.stringify(entry.url)}`);
    }
    return { name, transport: 'http', url: entry.url, headers: stringRecord(entry.headers, 'headers', fail) };
  }
  return fail('needs a non-empty "command" (stdio) or a "url" (Streamable HTTP)');
}

/** Parses Claude Desktop's `{"mcpServers": {...}}` format; errors name the server and the field. */
export function parseMcpConfig(json: unknown, source: string): McpServerConfig[] {
  if (!isRecord(json) || !isRecord(json.mcpServers)) {
    throw new McpConfigError(source, undefined, 'expected an object with "mcpServers": {"<name>": {...}}');
  }
  return Object.entries(json.mcpServers).map(([name, entry]) => {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      throw new McpConfigError(source, name, 'a server name may use only letters, digits, "_" and "-" (1-64)');
    }
    return parseServer(name, entry, source);
  });
}

/** Resolves a package's bin script so the default servers run from node_modules with this Node. */
const packageScript = (specifier: string): string => require.resolve(specifier);

/** Filesystem rooted at the workspace, and a memory server whose graph lives in the session's folder. */
export function defaultMcpServers(workspaceDir: string): McpServerConfig[] {
  return [
    {
      name: 'filesystem',
      transport: 'stdio',
      command: process.execPath,
      args: [packageScript('@modelcontextprotocol/server-filesystem/dist/index.js'), resolve(workspaceDir)],
      env: {},
    },
    {
      name: 'memory',
      transport: 'stdio',
      command: process.execPath,
      args: [packageScript('@modelcontextprotocol/server-memory/dist/index.js')],
      env: { MEMORY_FILE_PATH: '${SESSION_DIR}/memory.jsonl' },
    },
  ];
}

export interface LoadedMcpConfig {
  servers: McpServerConfig[];
  /** The file read, or "default" for the bundled servers. */
  source: string;
}

export function loadMcpConfig(configPath: string, workspaceDir: string): LoadedMcpConfig {
  const path = resolve(configPath);
  if (!existsSync(path)) {
    if (configPath !== DEFAULT_CONFIG_PATH) {
      throw new McpConfigError(path, undefined, 'MCP_CONFIG names a file that does not exist');
    }
    // The filesystem server refuses to start on a folder that does not exist.
    mkdirSync(workspaceDir, { recursive: true });
    return { servers: defaultMcpServers(workspaceDir), source: 'default' };
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new McpConfigError(path, undefined, `not valid JSON (${(error as Error).message})`);
  }
  return { servers: parseMcpConfig(json, path), source: path };
}
