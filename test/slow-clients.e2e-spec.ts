import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { connectSocket, connectSse, runSocketTurn } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { waitForNoChildren } from './helpers/processes';
import { stalledSocketIo, stalledSse } from './helpers/stalled-clients';
import type { StalledClient } from './helpers/stalled-clients';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const MAX_BUFFER = 256 * 1024;
// Bounds of the test itself: it stops by itself, whatever the server does.
const MAX_TURNS = 300;
const STALLED_PER_TRANSPORT = 4;
const MiB = 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settledRss(): number {
  gc();
  gc();
  return process.memoryUsage().rss;
}

/** About 32 KB of text in a few long words: a turn streams it as a handful of large events. */
const bulky = (turn: number) =>
  Array.from({ length: 4 }, (_, word) => `${turn}.${word}:${'x'.repeat(7_900)}`).join(' ');

describe('clients that stop reading (e2e)', () => {
  let t: TestApp;
  let reader: SocketClient | undefined;
  const stalled: StalledClient[] = [];

  beforeAll(async () => {
    t = await startApp({ STREAM_MAX_BUFFER_BYTES: String(MAX_BUFFER), EVENT_LOG_LIMIT: '5000' });
  });

  afterAll(async () => {
    stalled.forEach((client) => client.socket.destroy());
    reader?.socket.disconnect();
    await t?.close();
    await waitForNoChildren();
  });

  const connections = async () =>
    (await (await fetch(`${t.url}/connections`)).json()) as { socketio: number; sse: number };

  it('should drop each connection that falls STREAM_MAX_BUFFER_BYTES behind, keep the readers, and give the memory back', async () => {
    reader = await connectSocket(t.url);
    // Warm-up, so the baseline already holds what the first turns allocate once.
    const { sessionId } = await runSocketTurn(reader, bulky(0));
    await runSocketTurn(reader, bulky(0), sessionId);
    const baseline = settledRss();

    for (let i = 0; i < STALLED_PER_TRANSPORT; i++) {
      stalled.push(await stalledSse(t.url, sessionId), await stalledSocketIo(t.url, sessionId));
    }
    expect(await connections()).toMatchObject({ socketio: 1 + STALLED_PER_TRANSPORT, sse: STALLED_PER_TRANSPORT });

    // Turns go on until the server has let go of every stalled client (or the test's bound is hit).
    let peak = 0;
    let turns = 0;
    for (
      let open = await connections();
      open.socketio + open.sse > 1 && turns < MAX_TURNS;
      open = await connections()
    ) {
      const turn = await runSocketTurn(reader, bulky(++turns), sessionId);
      expect(turn.end.type).toBe('final_response');
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(await connections()).toMatchObject({ socketio: 1, sse: 0 });
    // The reader kept up and was never dropped: it saw every turn.
    expect(reader.socket.connected).toBe(true);
    expect(reader.recorder.events.filter((e) => e.type === 'final_response')).toHaveLength(turns + 2);
    // Each stalled connection held at most the bound (plus one batch) while it lasted.
    expect(peak - baseline).toBeLessThan(STALLED_PER_TRANSPORT * 2 * 2 * MAX_BUFFER + 96 * MiB);

    // A dropped SSE client resumes from the last event it read, with nothing missed and nothing twice.
    const dropped = stalled.find((client) => client.lastEventId > 0)!;
    const resumed = await connectSse(t.url, sessionId, { 'last-event-id': String(dropped.lastEventId) });
    try {
      const latest = reader.recorder.events[reader.recorder.events.length - 1].id;
      await resumed.recorder.waitFor((e) => e.id === latest, `replay up to event ${latest}`);
      const ids = resumed.recorder.events.map((e) => e.id);
      expect(ids).toEqual(Array.from({ length: latest - dropped.lastEventId }, (_, i) => dropped.lastEventId + 1 + i));
    } finally {
      resumed.close();
    }

    // Once the clients and the session are gone, so is the memory they took.
    stalled.forEach((client) => client.socket.destroy());
    expect((await fetch(`${t.url}/api/v3/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204);
    expect(settledRss() - baseline).toBeLessThan(64 * MiB);
  });
});
