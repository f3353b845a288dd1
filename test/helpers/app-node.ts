import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';

import { freePort } from './ports';
import { childPidsOf } from './processes';

const ROOT = join(__dirname, '..', '..');
const READY_TIMEOUT_MS = 60_000;
// What is kept of a node's output (debug logs of a few turns fit).
const OUTPUT_KEPT = 1_000_000;

/** One node of the app in its own process (src/main.ts compiled on load), as an operator runs it. */
export interface AppNode {
  url: string;
  port: number;
  env: Record<string, string>;
  /** The process id while it runs. */
  pid(): number | undefined;
  /** What the process printed, for a failing test's message. */
  output(): string;
  /** Pids of the processes it started (its MCP servers), while it runs. */
  children(): number[];
  /** SIGTERM, and waits for the graceful shutdown to end. */
  stop(): Promise<void>;
  /** SIGTERM without waiting: resolves with the exit code once the process has ended. */
  terminate(): Promise<number | null>;
  /** SIGKILL: the node dies mid-work, as a crashed host would. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same settings. */
  start(): Promise<void>;
}

/**
 * A node of a multi-node test: its id, the shared Redis, the scripted LLM at `llmUrl` (no retries),
 * no rate limit, and the MCP config file.
 */
export const clusterNodeEnv = (node: string, redisUrl: string, llmUrl: string, mcpConfig: string) => ({
  NODE_ID: node,
  REDIS_URL: redisUrl,
  LLM_MODEL: 'openai:scripted',
  OPENAI_BASE_URL: llmUrl,
  OPENAI_API_KEY: 'test-key',
  LLM_MAX_RETRIES: '0',
  RATE_LIMIT_PER_MINUTE: '0',
  MCP_CONFIG: mcpConfig,
});

export async function startNode(env: Record<string, string>): Promise<AppNode> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    output = '';
    const process = spawn(globalThis.process.execPath, ['-r', './scripts/register-ts.cjs', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...globalThis.process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = process;
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_KEPT));
    process.stdout?.on('data', keep);
    process.stderr?.on('data', keep);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (process.exitCode !== null) {
        throw new Error(`node on port ${port} exited (${process.exitCode}): ${output}`);
      }
      const live = await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => undefined);
      if (live?.ok) {
        return;
      }
      if (Date.now() > deadline) {
        // A node that never answered is not left running.
        await end('SIGKILL');
        throw new Error(`node on port ${port} did not start: ${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const end = async (signal: NodeJS.Signals) => {
    const process = child;
    child = undefined;
    if (!process || process.exitCode !== null || process.signalCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => process.once('exit', resolve));
    process.kill(signal);
    await exited;
  };

  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    env,
    pid: () => child?.pid,
    output: () => output,
    children: () => (child?.pid === undefined ? [] : childPidsOf(child.pid)),
    stop: () => end('SIGTERM'),
    terminate: () => {
      const process = child;
      if (!process || process.exitCode !== null) {
        return Promise.resolve(process?.exitCode ?? null);
      }
      const exited = new Promise<number | null>((resolve) => process.once('exit', (code) => resolve(code)));
      process.kill('SIGTERM');
      return exited;
    },
    kill: () => end('SIGKILL'),
    start,
  };
}

/** Starts several nodes at once; if one fails to start, the others are stopped before the error is thrown. */
export async function startNodes(...envs: Array<Record<string, string>>): Promise<AppNode[]> {
  const started = await Promise.allSettled(envs.map((env) => startNode(env)));
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map((node) => node.kill()));
    throw failed.reason;
  }
  return nodes;
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
