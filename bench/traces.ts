import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { freePort } from '../test/helpers/ports';
import { BenchApp } from './app';
import { SocketClient } from './clients';
import { inRotation } from './latency';
import { TOOL_TURN } from './scenarios';
import type { Context } from './scenarios';
import { summarize } from './stats';
import type { Summary } from './stats';

export interface TracesResult {
  untraced: Summary;
  /** Spans to a live collector (OTLP/HTTP protobuf, the default). */
  traced: Summary;
  /** Spans to a collector that refuses connections. */
  deadCollector: Summary;
  /** Export requests the live collector received. */
  exports: number;
}

/** A collector that takes every export and answers 200, counting them. */
async function sink(): Promise<{ url: string; exports: () => number; close: () => Promise<void> }> {
  let exports = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports: () => exports,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * 11. What traces cost a tool turn: the same sequential tool turns on a node without traces, one
 * exporting to a live collector and one whose collector refuses connections, in rotation.
 */
export async function traces(ctx: Context): Promise<TracesResult> {
  const { perSession, warmup, turns } = ctx.sizes;
  const collector = await sink();
  const dead = `http://127.0.0.1:${await freePort()}`;
  const otel = (endpoint: string) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '1000' });
  const apps = {
    untraced: await BenchApp.start(ctx.env('shared')),
    traced: await BenchApp.start(ctx.env('shared', otel(collector.url))),
    deadCollector: await BenchApp.start(ctx.env('shared', otel(dead))),
  };
  const names = Object.keys(apps) as Array<keyof typeof apps>;
  const clients = Object.fromEntries(
    await Promise.all(names.map(async (name) => [name, await SocketClient.connect(apps[name].url)] as const)),
  ) as Record<keyof typeof apps, SocketClient>;
  const sessions: Record<string, string> = {};
  const path = (name: keyof typeof apps) => async (i: number) => {
    if (i % perSession === 0) {
      if (sessions[name]) {
        await clients[name].leave(sessions[name]);
      }
      sessions[name] = await clients[name].newSession();
    }
    await clients[name].turn(sessions[name], TOOL_TURN);
  };
  let samples: Record<keyof typeof apps, number[]>;
  try {
    samples = await inRotation(
      { untraced: path('untraced'), traced: path('traced'), deadCollector: path('deadCollector') },
      warmup,
      turns,
    );
  } finally {
    names.forEach((name) => clients[name].close());
    // Stopping flushes the spans still queued (within a few seconds, collector or not).
    await Promise.all(names.map((name) => apps[name].stop()));
    await collector.close();
  }
  const result = {
    untraced: summarize(samples.untraced),
    traced: summarize(samples.traced),
    deadCollector: summarize(samples.deadCollector),
    exports: collector.exports(),
  };
  ctx.log(
    `traces p50: untraced ${result.untraced.p50}, traced ${result.traced.p50}, dead collector ${result.deadCollector.p50} ms (${result.exports} exports)`,
  );
  return result;
}

export function tracesRows(result: TracesResult): Array<Array<string | number>> {
  const ratio = (summary: Summary) => Math.round((summary.p50 / result.untraced.p50) * 100) / 100;
  return [
    [
      'a tool turn, untraced / traced (OTLP to a live collector) / collector down: p50',
      `${result.untraced.p50} / ${result.traced.p50} / ${result.deadCollector.p50} ms`,
      '',
      '',
    ],
    ['the same, p99', `${result.untraced.p99} / ${result.traced.p99} / ${result.deadCollector.p99} ms`, '', ''],
    [
      'traced ÷ untraced p50 (collector down ÷ untraced)',
      `${ratio(result.traced)} (${ratio(result.deadCollector)})`,
      '',
      '',
    ],
  ];
}
