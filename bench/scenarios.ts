import { spawn } from 'node:child_process';

import { freePort } from '../test/helpers/ports';
import { APP_MAIN, BenchApp } from './app';
import { BareLoop, RawFloor } from './baselines';
import { SocketClient, SseClient, postChat } from './clients';
import { median, pool, round, since, summarize } from './stats';
import type { Summary } from './stats';

export const TOOL_TURN = '[[tool:echo {"message":"bench"}]]';

export interface Sizes {
  warmup: number;
  turns: number;
  perSession: number;
  historyTurns: number;
  /** Tool turns timed on a short and on a long history, in turn. */
  historySamples: number;
  /** Messages in the long history. */
  longHistory: number;
  concurrentSessions: number;
  concurrentTurns: number;
  idleSessions: number;
  mcpSessions: number;
  streams: number;
  holdMs: number;
  firstTurns: number;
  startups: number;
  capacitySessions: number;
  capacityIdleMs: number;
}

export const FULL: Sizes = {
  warmup: 30,
  turns: 300,
  perSession: 10,
  historyTurns: 300,
  historySamples: 30,
  longHistory: 1000,
  concurrentSessions: 200,
  concurrentTurns: 10,
  idleSessions: 10_000,
  mcpSessions: 20,
  streams: 2000,
  holdMs: 5000,
  firstTurns: 10,
  startups: 3,
  capacitySessions: 1000,
  capacityIdleMs: 60_000,
};

export const QUICK: Sizes = {
  warmup: 3,
  turns: 20,
  perSession: 10,
  historyTurns: 20,
  historySamples: 3,
  longHistory: 40,
  concurrentSessions: 10,
  concurrentTurns: 3,
  idleSessions: 200,
  mcpSessions: 3,
  streams: 50,
  holdMs: 1500,
  firstTurns: 2,
  startups: 1,
  capacitySessions: 16,
  capacityIdleMs: 3000,
};

export interface Context {
  sizes: Sizes;
  llmUrl: string;
  /** App settings for the scripted LLM and an MCP config with server-everything, by scope. */
  env(scope: 'shared' | 'session', extra?: Record<string, string>): Record<string, string>;
  log(line: string): void;
  /** The raw bodies of the last two requests the scripted LLM received. */
  lastRequests(): Promise<string[]>;
}

export async function timed(count: number, turn: (index: number) => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < count; index++) {
    const start = performance.now();
    await turn(index);
    samples.push(since(start));
  }
  return samples;
}

export interface LatencyResult {
  bare: Summary;
  raw: Summary;
  socketio: Summary;
  sse: Summary;
  post: Summary;
}

type Turn = (index: number) => Promise<void>;

/**
 * Runs `warmup + turns` rounds in which every path takes a turn, the order rotating each round so
 * that no path always runs right after the same other one, and a slow spell falls on all alike.
 * The samples of each path, warm-up left out.
 */
export async function inRotation<K extends string>(
  paths: Record<K, Turn>,
  warmup: number,
  turns: number,
): Promise<Record<K, number[]>> {
  const names = Object.keys(paths) as K[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < warmup + turns; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length];
      const start = performance.now();
      await paths[name](i);
      if (i >= warmup) {
        samples[name].push(since(start));
      }
    }
  }
  return samples;
}

/**
 * 1. Sequential tool turns, a new session every `perSession` turns, on every path. The paths take
 * turns in rotation, so that a slow spell of this noisy machine falls on all of them alike.
 */
export async function latency(ctx: Context): Promise<LatencyResult> {
  const { perSession, warmup, turns } = ctx.sizes;
  const bare = await BareLoop.start(ctx.llmUrl);
  const raw = await RawFloor.start(ctx.llmUrl);
  const app = await BenchApp.start(ctx.env('shared'));
  const socket = await SocketClient.connect(app.url);
  // The floor replays the very two requests the server sends for this tool turn in a new session.
  const recorded = await socket.newSession();
  await socket.turn(recorded, TOOL_TURN);
  const requests = await ctx.lastRequests();
  await socket.leave(recorded);
  let socketSession = '';
  let stream: SseClient | undefined;
  let chatSession: string | undefined;
  const paths: Record<keyof LatencyResult, Turn> = {
    bare: (i) => bare.turn(`thread-${Math.floor(i / perSession)}`, TOOL_TURN),
    raw: () => raw.replay(requests),
    socketio: async (i) => {
      if (i % perSession === 0) {
        // One socket follows at most SOCKET_MAX_SESSIONS sessions: it leaves the one before.
        await socket.leave(socketSession);
        socketSession = await socket.newSession();
      }
      await socket.turn(socketSession, TOOL_TURN);
    },
    sse: async (i) => {
      if (i % perSession === 0) {
        stream?.close();
        stream = await SseClient.open(app.url);
      }
      await stream!.turn(TOOL_TURN);
    },
    post: async (i) => {
      chatSession = await postChat(app.url, TOOL_TURN, i % perSession === 0 ? undefined : chatSession);
    },
  };
  let samples: Record<keyof LatencyResult, number[]>;
  try {
    samples = await inRotation(paths, warmup, turns);
  } finally {
    stream?.close();
    socket.close();
    await app.stop();
    await bare.close();
    await raw.close();
  }
  const names = Object.keys(samples) as Array<keyof LatencyResult>;
  const result = Object.fromEntries(names.map((name) => [name, summarize(samples[name])])) as unknown as LatencyResult;
  ctx.log(
    `latency p50: bare ${result.bare.p50}, raw ${result.raw.p50}, socket.io ${result.socketio.p50}, SSE ${result.sse.p50} ms`,
  );
  return result;
}

export interface LoadResult {
  turnsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

/** `sessions` sessions at once, each running `turns` turns in a row. */
export async function load(
  sessions: number,
  turns: number,
  run: (session: number) => Promise<(() => Promise<void>) | undefined>,
) {
  const samples: number[] = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: sessions }, async (_, session) => {
      const turn = await run(session).catch(() => undefined);
      if (!turn) {
        errors += turns;
        return;
      }
      for (let i = 0; i < turns; i++) {
        const start = performance.now();
        try {
          await turn();
          samples.push(since(start));
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = since(started) / 1000;
  const summary = summarize(samples);
  return { turnsPerSecond: round(samples.length / seconds), p50: summary.p50, p99: summary.p99, errors };
}

/** 3. Many sessions at once over socket.io, and the same load through the bare loop. */
export async function concurrency(ctx: Context): Promise<{ server: LoadResult; bare: LoadResult }> {
  const { concurrentSessions: sessions, concurrentTurns: turns } = ctx.sizes;
  const app = await BenchApp.start(ctx.env('shared'));
  let server: LoadResult;
  const sockets: SocketClient[] = [];
  try {
    server = await load(sessions, turns, async () => {
      const socket = await SocketClient.connect(app.url);
      sockets.push(socket);
      const sessionId = await socket.newSession();
      return () => socket.turn(sessionId, TOOL_TURN);
    });
  } finally {
    sockets.forEach((socket) => socket.close());
    await app.stop();
  }
  const loop = await BareLoop.start(ctx.llmUrl);
  const bare = await load(sessions, turns, (session) => Promise.resolve(() => loop.turn(`load-${session}`, TOOL_TURN)));
  await loop.close();
  ctx.log(`concurrency: ${server.turnsPerSecond} turns/s (bare loop ${bare.turnsPerSecond}), errors ${server.errors}`);
  return { server, bare };
}

export interface MemoryResult {
  idleSessionBytes: number;
  sessionScoped: { heapBytes: number; childRssBytes: number; processes: number };
  shared: { heapBytes: number; childRssBytes: number; processes: number };
}

async function perMcpSession(ctx: Context, scope: 'shared' | 'session') {
  const app = await BenchApp.start(ctx.env(scope));
  try {
    const socket = await SocketClient.connect(app.url);
    // A few sessions first, deleted again: what early turns load and compile once is not a per-session cost.
    for (let i = 0; i < 5; i++) {
      const warm = await socket.newSession();
      await socket.turn(warm, TOOL_TURN);
      await fetch(`${app.url}/api/v3/sessions/${warm}`, { method: 'DELETE' });
    }
    const before = await app.stats();
    for (let i = 0; i < ctx.sizes.mcpSessions; i++) {
      const sessionId = await socket.newSession();
      await socket.turn(sessionId, TOOL_TURN);
      // The session lives on; the socket follows at most SOCKET_MAX_SESSIONS.
      await socket.leave(sessionId);
    }
    const after = await app.stats();
    const result = {
      heapBytes: Math.round((after.heapUsed - before.heapUsed) / ctx.sizes.mcpSessions),
      childRssBytes: Math.round(app.childrenRss() / ctx.sizes.mcpSessions),
      processes: app.childCount(),
    };
    socket.close();
    return result;
  } finally {
    await app.stop();
  }
}

/** 4. Memory per idle session, and per session whose MCP clients are running, by scope. */
export async function memory(ctx: Context): Promise<MemoryResult> {
  const count = ctx.sizes.idleSessions;
  const app = await BenchApp.start(ctx.env('shared'));
  let idleSessionBytes: number;
  try {
    await postChat(app.url, 'warm up');
    const before = await app.stats();
    await pool(count, 50, async () => {
      const response = await fetch(`${app.url}/api/v3/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      if (response.status !== 201) {
        throw new Error(`POST /api/v3/sessions answered ${response.status}`);
      }
    });
    const after = await app.stats();
    idleSessionBytes = Math.round((after.heapUsed - before.heapUsed) / count);
  } finally {
    await app.stop();
  }
  const sessionScoped = await perMcpSession(ctx, 'session');
  const shared = await perMcpSession(ctx, 'shared');
  ctx.log(`memory: ${idleSessionBytes} B per idle session`);
  return { idleSessionBytes, sessionScoped, shared };
}

export interface StreamsResult {
  sse: { open: number; heapBytesPerStream: number; rssMb: number; eventLoopP99Ms: number; eventLoopMaxMs: number };
  socketio: { open: number; heapBytesPerStream: number; rssMb: number; eventLoopP99Ms: number; eventLoopMaxMs: number };
}

async function holdOpen(ctx: Context, app: BenchApp, open: () => Promise<{ close(): void }>) {
  const before = await app.stats();
  const clients = await pool(ctx.sizes.streams, 100, open);
  app.resetEventLoop();
  // Heartbeats every second meanwhile (HEARTBEAT_MS): the loop has work to do.
  await new Promise((resolve) => setTimeout(resolve, ctx.sizes.holdMs));
  const after = await app.stats();
  clients.forEach((client) => client.close());
  return {
    open: clients.length,
    heapBytesPerStream: Math.round((after.heapUsed - before.heapUsed) / clients.length),
    rssMb: round(after.rss / 2 ** 20, 1),
    eventLoopP99Ms: round(after.eventLoopP99Ms),
    eventLoopMaxMs: round(after.eventLoopMaxMs),
  };
}

/** 5. Thousands of open streams with heartbeats: memory and event-loop delay. */
export async function streams(ctx: Context): Promise<StreamsResult> {
  const env = ctx.env('shared', { SSE_MAX_CONNECTIONS: String(ctx.sizes.streams + 100), HEARTBEAT_MS: '1000' });
  const sseApp = await BenchApp.start(env);
  let sse: StreamsResult['sse'];
  try {
    sse = await holdOpen(ctx, sseApp, () => SseClient.open(sseApp.url));
  } finally {
    await sseApp.stop();
  }
  const ioApp = await BenchApp.start(env);
  let socketio: StreamsResult['socketio'];
  try {
    socketio = await holdOpen(ctx, ioApp, async () => {
      const socket = await SocketClient.connect(ioApp.url);
      await socket.newSession();
      return socket;
    });
  } finally {
    await ioApp.stop();
  }
  ctx.log(`streams: SSE event-loop p99 ${sse.eventLoopP99Ms} ms, socket.io ${socketio.eventLoopP99Ms} ms`);
  return { sse, socketio };
}

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
