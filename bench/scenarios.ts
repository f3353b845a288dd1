import { BenchApp } from './app';
import { BareLoop } from './baselines';
import { SocketClient, SseClient, postChat } from './clients';
import { pool, round, since, summarize } from './stats';

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
