import { BenchApp } from './app';
import { BareLoop } from './baselines';
import { SocketClient } from './clients';
import { TOOL_TURN, timed } from './scenarios';
import type { Context } from './scenarios';
import { median, round } from './stats';

// Messages in a short history: a session a few turns old.
const SHORT_HISTORY = 10;

export interface HistoryResult {
  first10Ms: number;
  last10Ms: number;
  ratio: number;
  bareFirst10Ms: number;
  bareLast10Ms: number;
  bareRatio: number;
  /** Tool-turn p50 on a session of SHORT_HISTORY messages and on one of `longMessages`, timed in turn. */
  shortMs: number;
  longMs: number;
  longMessages: number;
  samples: number;
  longRatio: number;
}

const firstAndLast = (samples: number[]) => {
  const first = median(samples.slice(0, 10));
  const last = median(samples.slice(-10));
  return [round(first), round(last), round(last / first)];
};

/** A new session holding `messages` messages: plain turns of a question and its answer. */
async function sessionWith(socket: SocketClient, messages: number): Promise<string> {
  const sessionId = await socket.newSession();
  for (let turn = 0; turn < messages / 2; turn++) {
    await socket.turn(sessionId, `message ${turn}`);
  }
  return sessionId;
}

/**
 * The same tool turn on a session of SHORT_HISTORY messages (a new one each time) and on one of
 * `longMessages` and more, in turn, so that the machine's drift weighs on both alike.
 */
async function shortAndLong(app: BenchApp, samples: number, longMessages: number) {
  const [socket, other] = [await SocketClient.connect(app.url), await SocketClient.connect(app.url)];
  try {
    const longId = await sessionWith(socket, longMessages);
    const [short, long] = [[] as number[], [] as number[]];
    for (let sample = 0; sample < samples; sample++) {
      const shortId = await sessionWith(other, SHORT_HISTORY);
      short.push(...(await timed(1, () => other.turn(shortId, TOOL_TURN))));
      await other.leave(shortId);
      long.push(...(await timed(1, () => socket.turn(longId, TOOL_TURN))));
    }
    return { short: median(short), long: median(long) };
  } finally {
    socket.close();
    other.close();
  }
}

/**
 * 2. History: does a turn get slower as the history grows? One session of many turns (its last ten
 * against its first ten, beside the bare loop's checkpointed thread), and a tool turn on 10 against
 * 1,000 messages.
 */
export async function history(ctx: Context): Promise<HistoryResult> {
  const { historyTurns: turns, historySamples: samples, longHistory: longMessages } = ctx.sizes;
  const app = await BenchApp.start(ctx.env('shared'));
  let ours: number[];
  let shortLong: { short: number; long: number };
  try {
    const socket = await SocketClient.connect(app.url);
    const sessionId = await socket.newSession();
    ours = await timed(turns, () => socket.turn(sessionId, TOOL_TURN));
    socket.close();
    shortLong = await shortAndLong(app, samples, longMessages);
  } finally {
    await app.stop();
  }
  const bare = await BareLoop.start(ctx.llmUrl);
  const theirs = await timed(turns, () => bare.turn('long-thread', TOOL_TURN));
  await bare.close();
  const [first10Ms, last10Ms, ratio] = firstAndLast(ours);
  const [bareFirst10Ms, bareLast10Ms, bareRatio] = firstAndLast(theirs);
  const longRatio = round(shortLong.long / shortLong.short);
  ctx.log(
    `history: turn ${turns} / turn 1 = ${ratio} (bare loop ${bareRatio}); ${longMessages} / ${SHORT_HISTORY} messages = ${longRatio}`,
  );
  return {
    first10Ms,
    last10Ms,
    ratio,
    bareFirst10Ms,
    bareLast10Ms,
    bareRatio,
    shortMs: round(shortLong.short),
    longMs: round(shortLong.long),
    longMessages,
    samples,
    longRatio,
  };
}
