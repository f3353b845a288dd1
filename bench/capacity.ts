import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BenchApp } from './app';
import { postChat } from './clients';
import type { Context } from './scenarios';
import { median, pool, round, since } from './stats';

// A cheap tool of the bundled filesystem server: every session's one turn starts both bundled servers.
const DEFAULT_SERVERS_TURN = '[[tool:list_allowed_directories {}]]';
// For the first turn after an idle close: short, so that each sample does not wait for long.
const SHORT_IDLE_MS = 3000;
const CONCURRENCY = 8;
const RSS_TARGET = 4 * 2 ** 30;

export interface CapacityResult {
  /** MCP_IDLE_TIMEOUT_MS while the sessions ran: shorter than the default, long enough to reach the cap. */
  idleTimeoutMs: number;
  sessions: number;
  refused: number;
  seconds: number;
  peakProcesses: number;
  idleProcesses: number;
  idleRssBytes: number;
  warmTurnMs: number;
  afterIdleColdMs: number;
  afterIdlePrewarmedMs: number;
}

/** The app with the bundled default servers (no MCP config file), as `npm install && npm start` runs it. */
function defaultServersApp(ctx: Context, dir: string, prewarm: number, idleMs: number): Promise<BenchApp> {
  return BenchApp.start(
    ctx.env('session', {
      MCP_CONFIG: './mcp.config.json',
      WORKSPACE_DIR: join(dir, 'workspace'),
      USERS_DIR: join(dir, 'users'),
      MCP_IDLE_TIMEOUT_MS: String(idleMs),
      MCP_PREWARM: String(prewarm),
    }),
  );
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`capacity: ${what} did not happen within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Idle pre-started clients of every pool-eligible server (both bundled ones, single-user). */
async function poolFull(url: string, size: number): Promise<boolean> {
  const body = (await (await fetch(`${url}/api/v3/mcp/servers`)).json()) as { servers: Array<{ prewarmed: number }> };
  return body.servers.every((server) => server.prewarmed >= size);
}

/** Many sessions, each one tool turn with the bundled servers, then idle past MCP_IDLE_TIMEOUT_MS. */
async function manySessions(ctx: Context, dir: string) {
  const idleTimeoutMs = ctx.sizes.capacityIdleMs;
  const app = await defaultServersApp(ctx, dir, 0, idleTimeoutMs);
  try {
    let peakProcesses = 0;
    const sampler = setInterval(() => (peakProcesses = Math.max(peakProcesses, app.childCount())), 250);
    const start = performance.now();
    const outcomes = await pool(ctx.sizes.capacitySessions, CONCURRENCY, (index) =>
      postChat(app.url, DEFAULT_SERVERS_TURN).then(
        () => true,
        (error: Error) => {
          ctx.log(`capacity: turn ${index} refused: ${error.message}`);
          return false;
        },
      ),
    );
    const seconds = round(since(start) / 1000, 1);
    clearInterval(sampler);
    await until(() => app.childCount() === 0, 'closing every idle session’s MCP servers', 2 * idleTimeoutMs + 60_000);
    const stats = await app.stats();
    return {
      idleTimeoutMs,
      sessions: outcomes.length,
      refused: outcomes.filter((ok) => !ok).length,
      seconds,
      peakProcesses,
      idleProcesses: app.childCount(),
      idleRssBytes: stats.rss,
    };
  } finally {
    await app.stop();
  }
}

/** A session's warm turn, and its first turn after its servers closed for idleness, median of a few. */
async function afterIdle(ctx: Context, dir: string, prewarm: number): Promise<{ warm: number; afterIdle: number }> {
  const app = await defaultServersApp(ctx, dir, prewarm, SHORT_IDLE_MS);
  const warm: number[] = [];
  const after: number[] = [];
  try {
    for (let i = 0; i < ctx.sizes.firstTurns; i++) {
      const sessionId = await postChat(app.url, DEFAULT_SERVERS_TURN);
      let start = performance.now();
      await postChat(app.url, DEFAULT_SERVERS_TURN, sessionId);
      warm.push(since(start));
      // Only the pool's processes are left once the session's own have closed.
      await until(() => app.childCount() <= 2 * prewarm, 'the idle close');
      await until(() => poolFull(app.url, prewarm), 'a full pre-warm pool');
      start = performance.now();
      await postChat(app.url, DEFAULT_SERVERS_TURN, sessionId);
      after.push(since(start));
    }
  } finally {
    await app.stop();
  }
  return { warm: round(median(warm)), afterIdle: round(median(after)) };
}

/** 8. Capacity: MCP processes follow activity, so a node carries many more people than processes. */
export async function capacity(ctx: Context): Promise<CapacityResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-capacity-'));
  try {
    const many = await manySessions(ctx, dir);
    ctx.log(`capacity: ${many.sessions} sessions in ${many.seconds} s, ${many.refused} refused`);
    const cold = await afterIdle(ctx, dir, 0);
    const prewarmed = await afterIdle(ctx, dir, 1);
    return {
      ...many,
      warmTurnMs: cold.warm,
      afterIdleColdMs: cold.afterIdle,
      afterIdlePrewarmedMs: prewarmed.afterIdle,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const check = (met: boolean) => (met ? 'yes' : '**no**');

export function capacityRows(result: CapacityResult): Array<Array<string | number>> {
  const sessions = `${result.sessions} sessions, one tool turn each with the bundled servers`;
  return [
    [`${sessions}: turns refused`, result.refused, '0', check(result.refused === 0)],
    [
      `${sessions}: MCP processes, most at once while they ran (${result.seconds} s, ${CONCURRENCY} at a time)`,
      result.peakProcesses,
      '≤ MCP_MAX_PROCESSES (200)',
      check(result.peakProcesses <= 200),
    ],
    [
      `… then idle past MCP_IDLE_TIMEOUT_MS (${result.idleTimeoutMs} ms here): live MCP processes`,
      result.idleProcesses,
      '0',
      check(result.idleProcesses === 0),
    ],
    [
      '… node RSS once idle (after a GC)',
      `${round(result.idleRssBytes / 2 ** 20, 1)} MB`,
      '< 4 GiB',
      check(result.idleRssBytes < RSS_TARGET),
    ],
    ['a warm tool turn (servers running)', `${result.warmTurnMs} ms`, '', ''],
    ['first turn after an idle close, cold (MCP_PREWARM=0)', `${result.afterIdleColdMs} ms`, '', ''],
    ['first turn after an idle close, pre-warmed (MCP_PREWARM=1)', `${result.afterIdlePrewarmedMs} ms`, '', ''],
  ];
}
