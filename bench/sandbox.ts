import { readFileSync } from 'node:fs';

import { childPidsOf } from '../test/helpers/processes';
import { BenchApp } from './app';
import { SocketClient } from './clients';
import { TOOL_TURN, timed } from './scenarios';
import type { Context } from './scenarios';
import { median, round } from './stats';

// Tool turns timed in each session after its first.
const LATER_TURNS = 5;

export interface SandboxRow {
  /** A new session's first tool turn: its session-scoped stdio server starts (in its sandbox, when on). */
  firstTurnMs: number;
  /** Tool-turn p50 once the server runs. */
  toolTurnMs: number;
  /** RSS of one session's server, with every process of its sandbox (bwrap's two and the server's). */
  rssPerServerMb: number;
  servers: number;
}

export interface SandboxResult {
  off: SandboxRow;
  on: SandboxRow;
}

/** Every process below `pid`, the app's MCP servers and what they started. */
function descendants(pid: number): number[] {
  const children = childPidsOf(pid);
  return [...children, ...children.flatMap((child) => descendants(child))];
}

function rssBytes(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    // It ended between the listing and the read.
    return 0;
  }
}

async function measure(ctx: Context, mode: 'off' | 'on'): Promise<SandboxRow> {
  const app = await BenchApp.start(ctx.env('session', { MCP_SANDBOX: mode }));
  try {
    const socket = await SocketClient.connect(app.url);
    const [first, later] = [[] as number[], [] as number[]];
    for (let i = 0; i < ctx.sizes.firstTurns; i++) {
      const sessionId = await socket.newSession();
      first.push(...(await timed(1, () => socket.turn(sessionId, TOOL_TURN))));
      later.push(...(await timed(LATER_TURNS, () => socket.turn(sessionId, TOOL_TURN))));
    }
    // Every session still holds its server (MCP_IDLE_TIMEOUT_MS is minutes): one each.
    const rss = descendants(app.pid).reduce((sum, pid) => sum + rssBytes(pid), 0);
    socket.close();
    return {
      firstTurnMs: round(median(first)),
      toolTurnMs: round(median(later)),
      rssPerServerMb: round(rss / ctx.sizes.firstTurns / 2 ** 20, 1),
      servers: ctx.sizes.firstTurns,
    };
  } finally {
    await app.stop();
  }
}

/** 9. What MCP_SANDBOX=on costs: a new session's first turn, a tool turn, and memory per server, beside off. */
export async function sandbox(ctx: Context): Promise<SandboxResult> {
  const off = await measure(ctx, 'off');
  const on = await measure(ctx, 'on');
  ctx.log(
    `sandbox: first turn ${off.firstTurnMs} → ${on.firstTurnMs} ms, tool turn ${off.toolTurnMs} → ${on.toolTurnMs} ms`,
  );
  return { off, on };
}

export function sandboxRows(result: SandboxResult): Array<Array<string | number>> {
  const { off, on } = result;
  return [
    [
      'first turn of a new session, stdio server, MCP_SANDBOX=off / on',
      `${off.firstTurnMs} / ${on.firstTurnMs} ms`,
      '',
      '',
    ],
    ['tool turn p50 once it runs, MCP_SANDBOX=off / on', `${off.toolTurnMs} / ${on.toolTurnMs} ms`, '', ''],
    [
      `RSS per session's server (${on.servers} live), MCP_SANDBOX=off / on`,
      `${off.rssPerServerMb} / ${on.rssPerServerMb} MB`,
      '',
      '',
    ],
  ];
}
