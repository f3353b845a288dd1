import { Logger } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { promisify } from 'node:util';

import type { AppConfig } from '../../config/app-config';
import type { Connector } from '../client/mcp-connect';
import { findOnPath } from '../config/command-path';
import type { McpServerConfig, StdioServerConfig } from '../config/mcp-config';
import { DEFAULT_POLICY } from '../config/mcp-config-policy';
import type { SandboxRequest } from '../config/mcp-sandbox-config';
import type { McpMetrics } from '../mcp.metrics';
import { bwrapArgs, readRootLayout } from './bwrap-args';
import type { RootLayout } from './bwrap-args';
import { detectCgroups, enforcers } from './cgroups';
import type { Enforcer } from './cgroups';
import { SandboxCgroups } from './sandbox-cgroups';
import { SandboxedProcess } from './sandbox-process';
import type { SandboxLimits } from './sandbox-process';
import { sandboxView } from './sandbox-view';
import type { ViewContext } from './sandbox-view';

const run = promisify(execFile);
const MB = 1024 * 1024;
/** The variables the SDK's spawn adds to every child's environment; the sandbox keeps only those the entry sets. */
const SPAWN_DEFAULTS = ['LOGNAME', 'SHELL', 'TERM', 'USER'];
/** Joins the sandbox's cgroups (v1: one per hierarchy), then becomes the next program: prlimit, then bwrap. */
const JOIN_AND_EXEC =
  'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || { echo "mcp-sandbox: cannot join $1" >&2; exit 125; }; ' +
  'shift; n=$((n - 1)); done; exec "$@"';

export type SandboxSettings = Pick<
  AppConfig,
  | 'MCP_SANDBOX'
  | 'MCP_SANDBOX_MEMORY_MB'
  | 'MCP_SANDBOX_MAX_PROCESSES'
  | 'MCP_SANDBOX_FILE_SIZE_MB'
  | 'MCP_SANDBOX_TMP_MB'
>;

/** What GET /api/v3/mcp/servers says of a server's sandbox. */
export type SandboxStatus =
  | { enabled: false }
  | {
      enabled: true;
      network: 'none';
      limits: SandboxLimits;
      enforced_by: { memory: Enforcer; processes: Enforcer; file_size: Enforcer };
    };

interface Tools {
  bwrap: string;
  prlimit: string;
  version: string;
  layout: RootLayout;
  cgroups: SandboxCgroups;
}

export class SandboxUnavailableError extends Error {}

/**
 * Local MCP servers in a bubblewrap sandbox each (MCP_SANDBOX=on): what each sees (sandbox-view.ts),
 * bwrap's arguments (bwrap-args.ts), a cgroup per sandbox for memory and processes (or resource
 * limits where there is none), and how a server that met a limit ended. Off, servers run as today.
 */
export class McpSandbox {
  private readonly logger = new Logger(McpSandbox.name);
  private readonly running = new Set<SandboxedProcess>();
  private live = 0;

  private constructor(
    private readonly settings: SandboxSettings,
    private readonly context: ViewContext,
    private readonly metrics: McpMetrics,
    private readonly tools?: Tools,
  ) {
    metrics.sandboxedProcesses.readFrom(() => this.live);
  }

  /**
   * With MCP_SANDBOX=on: bwrap and prlimit on PATH, the cgroups this app may use (a killed run's
   * leftovers removed), and one trial sandbox with the real flags; any of them failing stops start-up.
   */
  static async start(
    settings: SandboxSettings,
    context: ViewContext,
    servers: readonly McpServerConfig[],
    metrics: McpMetrics,
  ): Promise<McpSandbox> {
    if (settings.MCP_SANDBOX === 'off') {
      const sandbox = new McpSandbox(settings, context, metrics);
      sandbox.logger.log("MCP sandbox: off: local MCP servers run as this app's user, with its files and network");
      if (context.perUser) {
        sandbox.logger.warn(
          "Authentication is on but MCP_SANDBOX is off: local MCP servers can read other principals' folders, the app's files and its environment",
        );
      }
      return sandbox;
    }
    const bwrap = findOnPath('bwrap', process.env.PATH ?? '');
    if (!bwrap) {
      throw new SandboxUnavailableError(
        'MCP_SANDBOX=on needs bwrap on PATH: install Debian\'s package "bubblewrap" (apt-get install bubblewrap)',
      );
    }
    const prlimit = findOnPath('prlimit', process.env.PATH ?? '');
    if (!prlimit) {
      throw new SandboxUnavailableError('MCP_SANDBOX=on needs prlimit on PATH: install Debian\'s package "util-linux"');
    }
    const { stdout } = await run(bwrap, ['--version']);
    const cgroups = new SandboxCgroups(detectCgroups());
    cgroups.prepare();
    await cgroups.sweep();
    const tools = { bwrap, prlimit, version: stdout.trim(), layout: readRootLayout(), cgroups };
    const sandbox = new McpSandbox(settings, context, metrics, tools);
    await sandbox.trial();
    sandbox.logger.log(sandbox.summary(servers));
    return sandbox;
  }

  get enabled(): boolean {
    return this.tools !== undefined;
  }

  /** True when the server runs in a sandbox. */
  sandboxed(config: McpServerConfig): config is StdioServerConfig & { sandbox: SandboxRequest } {
    return this.enabled && config.transport === 'stdio' && config.sandbox.enabled;
  }

  status(config: McpServerConfig): SandboxStatus {
    if (!this.sandboxed(config)) {
      return { enabled: false };
    }
    return { enabled: true, network: 'none', limits: this.limits(config.sandbox), enforced_by: this.enforcedBy() };
  }

  /** The start-up line: each limit with what enforces it, and the local servers left unconfined. */
  summary(servers: readonly McpServerConfig[]): string {
    const unconfined = servers.filter((server) => server.transport === 'stdio' && !this.sandboxed(server));
    const by = this.enforcedBy();
    const label = (enforcer: Enforcer) =>
      ({ cgroup2: 'cgroup v2', cgroup1: 'cgroup v1', rlimit: 'rlimit', none: 'not enforced' })[enforcer];
    const s = this.settings;
    return (
      `MCP sandbox: on (${this.tools?.version}): network none; memory ${s.MCP_SANDBOX_MEMORY_MB} MB (${label(by.memory)}), ` +
      `processes ${s.MCP_SANDBOX_MAX_PROCESSES} (${label(by.processes)}), file size ${s.MCP_SANDBOX_FILE_SIZE_MB} MB ` +
      `(${label(by.file_size)}), /tmp ${s.MCP_SANDBOX_TMP_MB} MB; unconfined: ${unconfined.map((server) => server.name).join(', ') || 'none'}`
    );
  }

  /** The app's connector, starting sandboxed servers through their sandbox. */
  connector(connect: Connector): Connector {
    return async (config, label, roots, start, auth) => {
      if (!this.sandboxed(config)) {
        return connect(config, label, roots, start, auth);
      }
      const { config: wrapped, process: sandboxed } = this.launch(config, label);
      try {
        const connection = await connect(
          wrapped,
          label,
          roots,
          { ...start, onSpawn: (child) => sandboxed.watch(child) },
          auth,
        );
        connection.sandbox = sandboxed;
        return connection;
      } catch (error) {
        await sandboxed.end();
        throw error;
      }
    };
  }

  /** Waits for every ended sandbox's cgroup to be removed (at shutdown, once the servers have stopped). */
  async settle(): Promise<void> {
    await Promise.all([...this.running].map((sandboxed) => sandboxed.end()));
  }

  private limits(request: SandboxRequest): SandboxLimits {
    return {
      memory_mb: request.memoryMb ?? this.settings.MCP_SANDBOX_MEMORY_MB,
      max_processes: request.maxProcesses ?? this.settings.MCP_SANDBOX_MAX_PROCESSES,
      file_size_mb: request.fileSizeMb ?? this.settings.MCP_SANDBOX_FILE_SIZE_MB,
      tmp_mb: this.settings.MCP_SANDBOX_TMP_MB,
    };
  }

  private enforcedBy() {
    return enforcers(this.tools?.cgroups.current ?? {}, process.getuid?.() === 0);
  }

  /**
   * The command that starts the server in its sandbox: a shell joins its new cgroup, prlimit sets
   * the file size (and, without cgroups, the memory) limit, bwrap builds the view and runs it. The
   * environment is exactly the sandbox's, passed as environment, never as arguments.
   */
  private launch(config: StdioServerConfig & { sandbox: SandboxRequest }, label: string) {
    const tools = this.tools!;
    const limits = this.limits(config.sandbox);
    for (const dir of [config.sandbox.userDir, config.sandbox.sessionDir]) {
      if (dir) {
        mkdirSync(dir, { recursive: true });
      }
    }
    const view = sandboxView(config, config.sandbox, this.context);
    const by = this.enforcedBy();
    const cgroup = tools.cgroups.create({ memoryBytes: limits.memory_mb * MB, maxProcesses: limits.max_processes });
    const fileBytes = limits.file_size_mb * MB;
    const memoryBytes = limits.memory_mb * MB;
    const argv = bwrapArgs({
      view,
      layout: tools.layout,
      tmpBytes: this.settings.MCP_SANDBOX_TMP_MB * MB,
      unset: SPAWN_DEFAULTS.filter((name) => config.env[name] === undefined),
      processCap: by.processes === 'rlimit' ? { prlimit: tools.prlimit, max: limits.max_processes } : undefined,
    });
    const rlimits = [
      `--fsize=${fileBytes}:${fileBytes}`,
      ...(by.memory === 'rlimit' ? [`--data=${memoryBytes}:${memoryBytes}`] : []),
    ];
    const files = cgroup.procsFiles;
    const sandboxed = new SandboxedProcess(config.name, label, limits, cgroup, {
      spawned: () => this.live++,
      ended: (limit) => {
        this.live--;
        if (limit) {
          this.metrics.sandboxLimitKills.inc({ server: config.name, limit });
        }
      },
      removed: () => this.running.delete(sandboxed),
    });
    this.running.add(sandboxed);
    const wrapped: StdioServerConfig = {
      ...config,
      command: '/bin/sh',
      args: [
        '-c',
        JOIN_AND_EXEC,
        'mcp-sandbox',
        String(files.length),
        ...files,
        tools.prlimit,
        ...rlimits,
        '--',
        tools.bwrap,
        ...argv,
      ],
      env: view.env,
      cwd: '/',
    };
    return { config: wrapped, process: sandboxed };
  }

  /** One sandbox with the real flags, so a bwrap that cannot make namespaces stops start-up with its own words. */
  private async trial(): Promise<void> {
    const trueCommand = findOnPath('true', process.env.PATH ?? '');
    const config: StdioServerConfig & { sandbox: SandboxRequest } = {
      name: 'sandbox-trial',
      transport: 'stdio',
      command: trueCommand ?? '/bin/true',
      args: [],
      env: {},
      sandbox: { enabled: true, readOnly: [], writable: [] },
      ...DEFAULT_POLICY,
      scope: 'shared',
    };
    const { config: wrapped, process: trial } = this.launch(config, 'start-up');
    try {
      await run(wrapped.command, wrapped.args, { env: wrapped.env, timeout: 30_000 });
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
      throw new SandboxUnavailableError(
        `MCP_SANDBOX=on, but bwrap could not make a sandbox: ${stderr || (error as Error).message}`,
      );
    } finally {
      await trial.end();
    }
  }
}
