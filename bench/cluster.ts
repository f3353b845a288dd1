import { Redis } from 'ioredis';

import type { StreamEvent } from '../src/contract/events';
import { commandCalls, totals } from '../test/helpers/command-stats';
import { startRedis } from '../test/helpers/redis-server';
import type { RedisServer } from '../test/helpers/redis-server';
import { BenchApp } from './app';
import { SocketClient } from './clients';
import { TOOL_TURN, load } from './scenarios';
import type { Context, LoadResult } from './scenarios';
import { median, round, since, summarize } from './stats';
import type { Summary } from './stats';

export interface ClusterResult {
  latency: { memory: Summary; redis: Summary; twoNodes: Summary };
  /** Commands Redis received per tool turn (round trips are fewer: auto-pipelining batches them). */
  commandsPerTurn: number;
  /** Of which Lua scripts (EVALSHA). */
  scriptsPerTurn: number;
  /** The same with QUOTA_TOKENS_PER_DAY set (a quota never reached). */
  commandsPerTurnWithQuota: number;
  redisBytesPerIdleSession: number;
  redisBytesPer100MessageSession: number;
  leaseMs: number;
  failoverMs: number;
  load: { memory: LoadResult; twoNodes: LoadResult };
  /** Commands a second an idle node holding IDLE_HELD sessions sends Redis, background jobs included. */
  idleCommandsPerSecond: number;
  idleHeld: number;
}

// Turns per path in a row, the paths in turn.
const BLOCK = 40;
// Sessions an idle node holds while its commands are counted.
const IDLE_HELD = 50;

const post = (url: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' } }).then(
    async (response) => ((await response.json()) as { session_id: string }).session_id,
  );

/** A field of INFO, as a number. */
async function info(redis: Redis, section: string, field: string): Promise<number> {
  const text = await redis.info(section);
  return Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
}

/** Alternating blocks of `block` turns per path, warm-up left out. */
async function inBlocks<K extends string>(
  paths: Record<K, () => Promise<void>>,
  block: number,
  warmup: number,
  turns: number,
): Promise<Record<K, number[]>> {
  const names = Object.keys(paths) as K[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let done = 0; done < warmup + turns; done += block) {
    for (const name of names) {
      for (let i = done; i < Math.min(done + block, warmup + turns); i++) {
        const start = performance.now();
        await paths[name]();
        if (i >= warmup) {
          samples[name].push(since(start));
        }
      }
    }
  }
  return samples;
}

/**
 * 7. Redis: the same tool turn on one node with the memory store, one node on Redis, and two nodes
 * (client on A, turn run on B), in rotation; what a turn costs Redis; Redis memory per session;
 * the time from a SIGKILL of the node running a turn to TURN_INTERRUPTED on a client; and load.
 */
export async function cluster(ctx: Context): Promise<ClusterResult> {
  const { warmup, turns, concurrentSessions, concurrentTurns } = ctx.sizes;
  // Short for the smoke run, yet long enough that a node starved of CPU on a loaded machine (the
  // test run) keeps its leases: a lapse mid-turn hands the turn to the other node, as TURN_INTERRUPTED.
  const leaseMs = ctx.sizes.turns < 100 ? 5000 : 10_000;
  const server: RedisServer = await startRedis();
  const redis = new Redis(server.url);
  const nodeEnv = (node: string) =>
    ctx.env('shared', { REDIS_URL: server.url, NODE_ID: node, TURN_LEASE_MS: String(leaseMs) });
  const memoryApp = await BenchApp.start(ctx.env('shared'));
  const a = await BenchApp.start(nodeEnv('bench-a'));
  let b = await BenchApp.start(nodeEnv('bench-b'));
  const clients: SocketClient[] = [];
  const socket = async (app: BenchApp) => {
    const client = await SocketClient.connect(app.url);
    clients.push(client);
    return client;
  };
  try {
    const [onMemory, onA] = [await socket(memoryApp), await socket(a)];
    // One session per path for the whole run, so histories grow to hundreds of messages, and blocks
    // of BLOCK turns per path in turn: a slow spell of this machine falls on all alike.
    const sessions = {
      memory: await onMemory.newSession(),
      redis: await onA.newSession(),
      // Created on B, so B holds it and runs its turns; the client is on A.
      twoNodes: await onA.newSession(await post(`${b.url}/api/v3/sessions`)),
    };
    const paths: Record<keyof typeof sessions, () => Promise<void>> = {
      memory: () => onMemory.turn(sessions.memory, TOOL_TURN),
      redis: () => onA.turn(sessions.redis, TOOL_TURN),
      twoNodes: () => onA.turn(sessions.twoNodes, TOOL_TURN),
    };
    const samples = await inBlocks(paths, BLOCK, warmup, turns);
    const latency = {
      memory: summarize(samples.memory),
      redis: summarize(samples.redis),
      twoNodes: summarize(samples.twoNodes),
    };
    ctx.log(
      `cluster latency p50: memory ${latency.memory.p50}, redis ${latency.redis.p50}, two nodes ${latency.twoNodes.p50} ms`,
    );

    // Commands per tool turn, in a session that already exists (background work of every node included).
    await Promise.all([onA.leave(sessions.redis), onA.leave(sessions.twoNodes)]);
    const commandsOfTurns = async (client: SocketClient) => {
      const measured = await client.newSession();
      await client.turn(measured, TOOL_TURN);
      await redis.config('RESETSTAT');
      for (let i = 0; i < turns; i++) {
        await client.turn(measured, TOOL_TURN);
      }
      const spent = totals(await commandCalls(redis));
      await client.leave(measured);
      return { commands: round(spent.commands / turns, 1), scripts: round(spent.scripts / turns, 1) };
    };
    const { commands: commandsPerTurn, scripts: scriptsPerTurn } = await commandsOfTurns(onA);
    // The same on a node with a daily quota (never reached): what its checks add.
    const quotaApp = await BenchApp.start({ ...nodeEnv('bench-quota'), QUOTA_TOKENS_PER_DAY: '1000000000' });
    const withQuota = await commandsOfTurns(await socket(quotaApp)).finally(() => quotaApp.stop());

    const idle = Math.max(50, turns * 3);
    const beforeIdle = await info(redis, 'memory', 'used_memory');
    for (let i = 0; i < idle; i++) {
      await post(`${a.url}/api/v3/sessions`);
    }
    const redisBytesPerIdleSession = round(((await info(redis, 'memory', 'used_memory')) - beforeIdle) / idle, 0);

    // 100 messages: 50 plain turns of a question and its answer.
    const long = Math.max(1, Math.round(turns / 60));
    const beforeLong = await info(redis, 'memory', 'used_memory');
    for (let s = 0; s < long; s++) {
      const sessionId = await onA.newSession();
      for (let i = 0; i < 50; i++) {
        await onA.turn(sessionId, `message ${i} of a long session, about as long as people type`);
      }
      await onA.leave(sessionId);
    }
    const redisBytesPer100MessageSession = round(((await info(redis, 'memory', 'used_memory')) - beforeLong) / long, 0);

    const failover: number[] = [];
    for (let run = 0; run < (turns < 100 ? 1 : 3); run++) {
      failover.push(await failoverOnce(a, b, run));
      b = await BenchApp.start(nodeEnv('bench-b'));
    }
    const failoverMs = round(median(failover), 0);
    ctx.log(`cluster failover: ${failoverMs} ms with TURN_LEASE_MS=${leaseMs}`);

    const twoNodes = await load(concurrentSessions, concurrentTurns, async (i) => {
      const client = await socket(i % 2 === 0 ? a : b);
      const sessionId = await client.newSession();
      return () => client.turn(sessionId, TOOL_TURN);
    });
    const memory = await load(concurrentSessions, concurrentTurns, async () => {
      const client = await socket(memoryApp);
      const sessionId = await client.newSession();
      return () => client.turn(sessionId, TOOL_TURN);
    });
    ctx.log(`cluster load: ${twoNodes.turnsPerSecond} turns/s on two nodes, ${memory.turnsPerSecond} on one (memory)`);

    clients.splice(0).forEach((client) => client.close());
    await Promise.all([memoryApp.stop(), a.stop(), b.stop()]);
    const idleCommandsPerSecond = await idleNode(ctx, server, redis, ctx.sizes.turns < 100 ? 3000 : 30_000);
    ctx.log(`cluster: an idle node holding ${IDLE_HELD} sessions sends ${idleCommandsPerSecond} commands/s`);
    return {
      latency,
      commandsPerTurn,
      scriptsPerTurn,
      commandsPerTurnWithQuota: withQuota.commands,
      redisBytesPerIdleSession,
      redisBytesPer100MessageSession,
      leaseMs,
      failoverMs,
      load: { memory, twoNodes },
      idleCommandsPerSecond,
      idleHeld: IDLE_HELD,
    };
  } finally {
    clients.forEach((client) => client.close());
    await Promise.all([memoryApp.stop(), a.stop(), b.stop()]);
    redis.disconnect();
    await server.close();
  }
}

/**
 * Commands a second Redis gets from one idle node (default TURN_LEASE_MS) holding IDLE_HELD sessions,
 * over `windowMs`, alone on an emptied Redis (nothing left of the nodes before it to take over).
 */
async function idleNode(ctx: Context, server: RedisServer, redis: Redis, windowMs: number): Promise<number> {
  await redis.flushall();
  const node = await BenchApp.start(ctx.env('shared', { REDIS_URL: server.url, NODE_ID: 'bench-idle' }));
  try {
    for (let i = 0; i < IDLE_HELD; i++) {
      await post(`${node.url}/api/v3/sessions`);
    }
    await redis.config('RESETSTAT');
    const start = performance.now();
    // A measurement window, not a wait for an event: the node is left alone for it.
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const { commands } = totals(await commandCalls(redis));
    return round(commands / (since(start) / 1000), 2);
  } finally {
    await node.stop();
  }
}

// Longest wait for one step of the failover measure.
const WAIT_MS = 60_000;

/** SIGKILLs B while it runs a turn whose client is on A; ms until that client gets TURN_INTERRUPTED. */
async function failoverOnce(a: BenchApp, b: BenchApp, run: number): Promise<number> {
  const client = await SocketClient.connect(a.url);
  try {
    const sessionId = await client.newSession(await post(`${b.url}/api/v3/sessions`));
    const events: StreamEvent[] = [];
    let notify = () => undefined as void;
    client.socket.on('partial_response', (event: StreamEvent) => (events.push(event), notify()));
    client.socket.on('error', (event: StreamEvent) => (events.push(event), notify()));
    // Bounded: a takeover that never comes fails the run with a reason instead of stalling it.
    const until = (match: (event: StreamEvent) => boolean, what: string) =>
      new Promise<void>((resolve, reject) => {
        const seen = () => events.map((event) => (event.type === 'error' ? `error ${event.data.code}` : event.type));
        const timer = setTimeout(
          () => reject(new Error(`failover: no ${what} within ${WAIT_MS} ms; saw ${seen().join(', ') || 'nothing'}`)),
          WAIT_MS,
        );
        notify = () => (events.some(match) ? (clearTimeout(timer), resolve()) : undefined);
        notify();
      });
    await client.socket.emitWithAck('chat_message', { session_id: sessionId, content: `[[hold:failover-${run}]]` });
    await until((event) => event.type === 'partial_response', 'partial_response');
    const killed = performance.now();
    await b.kill();
    await until((event) => event.type === 'error' && event.data.code === 'TURN_INTERRUPTED', 'TURN_INTERRUPTED');
    return since(killed);
  } finally {
    client.close();
  }
}
