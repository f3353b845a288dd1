import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** Live child processes of this test process (MCP servers, anything spawned), by command line. */
export function childProcesses(): string[] {
  try {
    const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.includes(' ps -o '));
  } catch {
    // ps exits 1 when it lists nothing.
    return [];
  }
}

/** Waits until no child process matching the pattern is left; ends with the list if one stays. */
export async function waitForNoChildren(
  pattern = /server-(everything|filesystem|memory)/,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let left = childProcesses().filter((line) => pattern.test(line));
  while (left.length > 0) {
    if (Date.now() > deadline) {
      throw new Error(`MCP processes still running: ${left.join('; ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = childProcesses().filter((line) => pattern.test(line));
  }
}

export function mcpProcessIds(pattern = /server-(everything|filesystem|memory)/): number[] {
  return childProcesses()
    .filter((line) => pattern.test(line))
    .map((line) => Number.parseInt(line, 10));
}

/** Waits until every one of these processes has exited. */
export async function waitForExit(pids: number[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const alive = () => pids.filter((pid) => mcpProcessIds(/./).includes(pid));
  while (alive().length > 0) {
    if (Date.now() > deadline) {
      throw new Error(`Processes still running: ${alive().join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Pids of a process's children (another process's, e.g. an app node's MCP servers). */
export function childPidsOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number.parseInt(line, 10))
      .filter((child) => Number.isInteger(child));
  } catch {
    // ps exits 1 when it lists nothing.
    return [];
  }
}

/**
 * Spawns a server the test talks to over the network; resolves once a line of its output (`stream`)
 * matches `ready`, and fails if it exits first.
 */
export async function spawnListening(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  stream: 'stdout' | 'stderr' = 'stderr',
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', stream === 'stdout' ? 'pipe' : 'ignore', stream === 'stderr' ? 'pipe' : 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child[stream]!.on('data', (chunk: Buffer) => ready.test(chunk.toString()) && resolve());
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
  return child;
}

/** Kills it (SIGKILL) unless it is gone already; resolves once it has exited. */
export async function killProcess(child: ChildProcess | undefined): Promise<void> {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
