import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

import { findOnPath } from '../config/command-path';
import type { StdioServerConfig } from '../config/mcp-config';
import { realPath, within } from '../config/mcp-sandbox-config';
import type { SandboxRequest } from '../config/mcp-sandbox-config';

/** What the host is, for working out a sandbox's view: the places it must never show, and where things are. */
export interface ViewContext {
  /** Authentication is on: principals are kept apart, and the workspace is nobody's to write. */
  perUser: boolean;
  workspaceDir: string;
  appDir: string;
  configFile: string;
  usersDir: string;
  /** The Node.js running this app (process.execPath): its installation is shown when outside /usr. */
  nodePath: string;
  /** The app's PATH, where a bare command is looked up. */
  hostPath: string;
}

/** What one sandboxed server sees and runs: every path at its host path, so expanded args work unchanged. */
export interface SandboxView {
  command: string;
  args: string[];
  /** Exactly its environment: the entry's env, PATH, HOME and TMPDIR. */
  env: Record<string, string>;
  cwd: string;
  readOnly: string[];
  writable: string[];
}

/** Standard places a server's tools may find there; a server that names another gets it with `env.PATH`. */
const SANDBOX_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export class SandboxViewError extends Error {}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The `node_modules` folders Node resolves packages from for a module in `dir`, as far up as they exist. */
export function nodeModulesChain(dir: string): string[] {
  const chain: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    if (basename(current) !== 'node_modules' && existsSync(join(current, 'node_modules'))) {
      chain.push(join(current, 'node_modules'));
    }
    if (dirname(current) === current) {
      return chain;
    }
  }
}

/** The installation a program belongs to: the prefix above a `bin` folder, else its own folder. */
function installationOf(program: string): string {
  const dir = dirname(program);
  return basename(dir) === 'bin' ? dirname(dir) : dir;
}

/**
 * What a sandboxed stdio server sees: /usr and a minimal /etc (added by the argument builder), the
 * command's installation, the server script's folder with the node_modules Node resolves from it,
 * the entry's read_only paths; writable, its principal's folder, its session's (when named), the
 * workspace in single-user mode and the entry's writable paths. Never the app's directory or a folder
 * above it, the MCP config or USERS_DIR: a folder that would show one is narrowed to the file needed.
 */
export function sandboxView(config: StdioServerConfig, request: SandboxRequest, context: ViewContext): SandboxView {
  const forbidden = [context.appDir, context.configFile, context.usersDir].map(realPath);
  const shows = (path: string) => forbidden.some((place) => within(place, path));
  const readOnly = new Set<string>();
  const showReadOnly = (folder: string, file?: string) => {
    if (within(folder, '/usr')) {
      return;
    }
    if (!shows(folder)) {
      readOnly.add(folder);
    } else if (file !== undefined && !shows(file)) {
      readOnly.add(file);
    }
  };

  const searchPath = config.env.PATH ?? context.hostPath;
  const found = config.command.includes('/')
    ? resolve(config.cwd ?? '/', config.command)
    : findOnPath(config.command, searchPath);
  if (!found) {
    throw new SandboxViewError(`"command" ${JSON.stringify(config.command)} was not found on PATH`);
  }
  const command = realPath(found);
  showReadOnly(installationOf(command), command);
  const node = realPath(context.nodePath);
  showReadOnly(installationOf(node), node);
  // The server's script (the first argument naming a file), its folder and the packages it loads.
  const script = config.args.find((arg) => !arg.startsWith('-') && isFile(resolve(config.cwd ?? '/', arg)));
  for (const entry of [command, ...(script ? [realPath(resolve(config.cwd ?? '/', script))] : [])]) {
    showReadOnly(dirname(entry), entry);
    for (const modules of nodeModulesChain(dirname(entry))) {
      showReadOnly(modules);
    }
  }
  for (const path of request.readOnly) {
    showReadOnly(path);
  }

  const writable = [
    request.userDir,
    request.sessionDir,
    ...(context.perUser ? [] : [context.workspaceDir]),
    ...request.writable,
  ].filter((path): path is string => path !== undefined);
  const exposing = writable.find((path) => shows(realPath(path)));
  if (exposing) {
    throw new SandboxViewError(`${exposing} would show the app's directory, its MCP config or USERS_DIR`);
  }
  const home = request.userDir ?? '/tmp';
  const cwd = config.cwd === undefined ? home : resolve(home, config.cwd);
  // The private /tmp is empty: of it, only itself is a place to start in.
  if (cwd !== '/tmp' && ![...readOnly, ...writable, '/usr'].some((place) => within(cwd, place))) {
    throw new SandboxViewError(`"cwd" ${JSON.stringify(config.cwd)} is outside what its sandbox shows`);
  }
  const path = config.env.PATH ?? [...new Set([dirname(found), dirname(context.nodePath), ...SANDBOX_PATH])].join(':');
  return {
    command,
    args: config.args,
    env: { ...config.env, PATH: path, HOME: home, TMPDIR: '/tmp' },
    cwd,
    readOnly: [...readOnly],
    writable,
  };
}
