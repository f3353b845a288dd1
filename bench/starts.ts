import { spawn } from 'node:child_process';

import { freePort } from '../test/helpers/ports';
import { APP_MAIN, BenchApp } from './app';
import { SocketClient } from './clients';
import { TOOL_TURN } from './scenarios';
import type { Context } from './scenarios';
import { median, round, since } from './stats';

export interface StartResult {
  firstTurnColdMs: number;
  firstTurnPrewarmedMs: number;
  laterTurnMs: number;
  startupMs: number;
}

async function firstTurns(ctx: Context, prewarm: number): Promise<{ first: number; later: number }> {
  const app = await BenchApp.start(ctx.env('session', { MCP_PREWARM: String(prewarm) }));
  try {
    const socket = await SocketClient.connect(app.url);
    const first: number[] = [];
    const later: number[] = [];
    for (let i = 0; i < ctx.sizes.firstTurns; i++) {
      if (prewarm > 0) {
        await waitPrewarmed(app.url, prewarm);
      }
      const sessionId = await socket.newSession();
      let start = performance.now();
      await socket.turn(sessionId, TOOL_TURN);
      first.push(since(start));
      start = performance.now();
      await socket.turn(sessionId, TOOL_TURN);
      later.push(since(start));
    }
    socket.close();
    return { first: round(median(first)), later: round(median(later)) };
  } finally {
    await app.stop();
  }
}

async function waitPrewarmed(url: string, count: number): Promise<void> {
  for (;;) {
    const body = (await (await fetch(`${url}/api/v3/mcp/servers`)).json()) as { servers: Array<{ prewarmed: number }> };
    if (body.servers[0].prewarmed >= count) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** From spawning the built app (what `npm start` runs after building) to a 200 from /health. */
async function startup(ctx: Context): Promise<number> {
  const port = await freePort();
  const start = performance.now();
  const child = spawn(process.execPath, [APP_MAIN], {
    env: { ...ctx.env('session'), PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`)
        .then((response) => response.status === 200)
        .catch(() => false);
      if (ok) {
        return since(start);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

/** 6. A new session's first turn with session-scoped stdio servers, with and without pre-warming; start-up time. */
export async function starts(ctx: Context): Promise<StartResult> {
  const cold = await firstTurns(ctx, 0);
  const warm = await firstTurns(ctx, 1);
  const startups: number[] = [];
  for (let i = 0; i < ctx.sizes.startups; i++) {
    startups.push(await startup(ctx));
  }
  const result = {
    firstTurnColdMs: cold.first,
    firstTurnPrewarmedMs: warm.first,
    laterTurnMs: cold.later,
    startupMs: round(median(startups)),
  };
  ctx.log(`first turn: ${result.firstTurnColdMs} ms cold, ${result.firstTurnPrewarmedMs} ms pre-warmed`);
  return result;
}
