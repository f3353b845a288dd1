import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { freePort } from '../test/helpers/ports';
import { childPidsOf } from '../test/helpers/processes';

export interface AppStats {
  heapUsed: number;
  rss: number;
  eventLoopP50Ms: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
}

const ENTRY = join(__dirname, 'app-process.cjs');
/** The built app: `npm run build`'s dist/, or the folder BENCH_APP_DIST names (the tests build once per run). */
export const APP_MAIN = join(process.env.BENCH_APP_DIST ?? join(__dirname, '..', 'dist'), 'main.js');

/** The built app in its own process, on a loopback port, as `npm start` runs it. */
export class BenchApp {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(env: Record<string, string>): Promise<BenchApp> {
    const port = await freePort();
    const child = fork(ENTRY, [APP_MAIN], {
      // BENCH_CPU_PROF=<dir>: a CPU profile of the app, for finding where its time goes.
      execArgv: [
        '--expose-gc',
        ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      ],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        RATE_LIMIT_PER_MINUTE: '0',
        // The memory part holds 10,000 idle sessions beside the others: the cap is not what it measures.
        MAX_SESSIONS: '100000',
        // LLM_CLIENT=langchain npm run bench: the same figures through LangChain's ChatOpenAI.
        ...(process.env.LLM_CLIENT ? { LLM_CLIENT: process.env.LLM_CLIENT } : {}),
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const app = new BenchApp(child, `http://127.0.0.1:${port}`);
    await app.waitReady();
    return app;
  }

  get pid(): number {
    return this.child.pid!;
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) {
        throw new Error(`the app exited with code ${this.child.exitCode}`);
      }
      const ok = await fetch(`${this.url}/health/live`)
        .then((response) => response.ok)
        .catch(() => false);
      if (ok) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the app did not become ready within 60 s');
  }

  /** Heap (after a full GC), RSS and the event-loop delay since the last reset. */
  stats(): Promise<AppStats> {
    return new Promise((resolve) => {
      this.child.once('message', (message) => resolve(message as AppStats));
      this.child.send('stats');
    });
  }

  resetEventLoop(): void {
    this.child.send('reset');
  }

  /** Resident memory of the app's child processes (its MCP servers), in bytes. */
  childrenRss(): number {
    return childPidsOf(this.pid).reduce((sum, pid) => sum + rssOf(pid), 0);
  }

  childCount(): number {
    return childPidsOf(this.pid).length;
  }

  /** SIGKILL: the node dies as a crashed host would. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
}

function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
