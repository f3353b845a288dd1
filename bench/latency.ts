import { BenchApp } from './app';
import { BareLoop, RawFloor } from './baselines';
import { SocketClient, SseClient, postChat } from './clients';
import { TOOL_TURN } from './scenarios';
import type { Context } from './scenarios';
import { since, summarize } from './stats';
import type { Summary } from './stats';

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
