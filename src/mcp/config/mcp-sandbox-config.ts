import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';

import type { Fail } from './mcp-config-policy';

/** What a stdio server's entry asks of the sandbox (`"sandbox": true | false | {...}`), with MCP_SANDBOX applied. */
export type SandboxSetting = { enabled: false } | SandboxRequest;

export interface SandboxRequest {
  enabled: true;
  /** Overrides of MCP_SANDBOX_MEMORY_MB, MCP_SANDBOX_MAX_PROCESSES and MCP_SANDBOX_FILE_SIZE_MB. */
  memoryMb?: number;
  maxProcesses?: number;
  fileSizeMb?: number;
  /** Extra host paths the server sees, read-only or writable, at the same place. */
  readOnly: string[];
  writable: string[];
  /** Filled in per session (mcp-session-places.ts): the principal's ${USER_DIR}, and ${SESSION_DIR} when used. */
  userDir?: string;
  sessionDir?: string;
}

/** What the parser needs to know: MCP_SANDBOX, and the paths no sandbox may show. */
export interface SandboxPolicy {
  mode: 'off' | 'on';
  /** Never bound, nor any folder holding one of them. */
  appDir: string;
  configFile: string;
  /** Also none of the folders inside it: each principal's folder is bound for them alone. */
  usersDir: string;
}

/** What parsing assumes when nothing is said: MCP_SANDBOX=off. */
export const SANDBOX_OFF: SandboxPolicy = { mode: 'off', appDir: '', configFile: '', usersDir: '' };

/** The app's own directory: the nearest folder above this file holding a package.json. */
export function appDirectory(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) {
    dir = dirname(dir);
  }
  return dir;
}

const SANDBOX_KEYS = new Set(['memory_mb', 'max_processes', 'file_size_mb', 'read_only', 'writable']);
const LIMITS: Array<[key: string, field: 'memoryMb' | 'maxProcesses' | 'fileSizeMb', min: number]> = [
  ['memory_mb', 'memoryMb', 16],
  ['max_processes', 'maxProcesses', 8],
  ['file_size_mb', 'fileSizeMb', 1],
];

/** A path with its symbolic links resolved, so a link cannot smuggle a forbidden folder in. */
export function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** True when `inner` is `outer` or lies inside it. */
export function within(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The entry's `sandbox` key: absent, the server follows MCP_SANDBOX; `false` opts out; `true` or an
 * object (limits and extra paths) asks for one, which MCP_SANDBOX=off refuses rather than run the
 * server unconfined.
 */
export function parseSandbox(value: unknown, policy: SandboxPolicy, fail: Fail): SandboxSetting {
  if (value === undefined) {
    return policy.mode === 'on' ? { enabled: true, readOnly: [], writable: [] } : { enabled: false };
  }
  if (value === false) {
    return { enabled: false };
  }
  if (value !== true && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    return fail('"sandbox" must be true, false or an object');
  }
  if (policy.mode === 'off') {
    return fail('"sandbox" asks for a sandbox, but MCP_SANDBOX is off: set MCP_SANDBOX=on (or "sandbox": false)');
  }
  if (value === true) {
    return { enabled: true, readOnly: [], writable: [] };
  }
  const entry = value as Record<string, unknown>;
  const unknown = Object.keys(entry).find((key) => !SANDBOX_KEYS.has(key));
  if (unknown) {
    fail(`unknown field "sandbox.${unknown}" (known: ${[...SANDBOX_KEYS].join(', ')})`);
  }
  const request: SandboxRequest = {
    enabled: true,
    readOnly: paths(entry.read_only, 'sandbox.read_only', policy, fail),
    writable: paths(entry.writable, 'sandbox.writable', policy, fail),
  };
  for (const [key, field, min] of LIMITS) {
    const limit = entry[key];
    if (limit === undefined) {
      continue;
    }
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < min || limit > 1_048_576) {
      fail(`"sandbox.${key}" must be a whole number from ${min} to 1048576`);
    }
    request[field] = limit as number;
  }
  return request;
}

/** Extra paths: absolute, existing, and neither the app, the config, USERS_DIR nor a folder holding one of them. */
function paths(value: unknown, field: string, policy: SandboxPolicy, fail: Fail): string[] {
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    return fail(`"${field}" must be an array of absolute paths`);
  }
  return (value as string[]).map((path, index) => {
    const at = `"${field}[${index}]"`;
    if (!isAbsolute(path)) {
      return fail(`${at} must be an absolute path, got ${JSON.stringify(path)}`);
    }
    if (!existsSync(path)) {
      return fail(`${at} ${JSON.stringify(path)} does not exist`);
    }
    const real = realPath(path);
    const forbidden = {
      "the app's directory": policy.appDir,
      'the MCP config': policy.configFile,
      USERS_DIR: policy.usersDir,
    };
    const exposed = Object.entries(forbidden).find(([, place]) => within(realPath(place), real));
    if (exposed) {
      return fail(`${at} ${JSON.stringify(path)} would show ${exposed[0]} (${exposed[1]})`);
    }
    if (within(real, realPath(policy.usersDir))) {
      return fail(`${at} ${JSON.stringify(path)} is inside USERS_DIR: each principal's folder is theirs alone`);
    }
    return real;
  });
}
