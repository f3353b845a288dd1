import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { connectSocket, connectSse, runSocketTurn, sendMessage } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { waitForNoChildren } from './helpers/processes';
import { lastEventIdOf, rawSocketIo, rawSse } from './helpers/raw-clients';
import type { RawClient } from './helpers/raw-clients';
import { noMcpServers, startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const MAX_BUFFER = 256 * 1024;
const MiB = 1024 * 1024;
// Bounds of the test itself: it stops by itself, whatever the server does.
const MAX_TURNS = 1000;
const STALLED_PER_TRANSPORT = 4;
const SLOW_READ_EVERY_MS = 50;
// Turns of about 64 KB per client after the socket.io clients were let go: several times the bound.
const MARGIN_TURNS = 20;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * What this process holds after a full GC: its heap and what lives outside it (Buffers). Unlike
 * RSS, it does not count what the allocator keeps of memory already freed, which varies with load.
 */
function settledMemory(): number {
  gc();
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

/** About 32 KB of text in a few long words: a turn streams it as a handful of large events. */
const bulky = (turn: number, wordChars = 7_900) =>
  Array.from({ length: 4 }, (_, word) => `${turn}.${word}:${'x'.repeat(wordChars)}`).join(' ');
// Four times as much for the slow readers: each turn must write more than a reader taking a chunk
// every SLOW_READ_EVERY_MS takes, also on a loaded machine whose turns come slower.
const SLOW_TEST_WORD_CHARS = 31_900;

/** Resolves true once `check` holds, false after the deadline: a condition to wait for, not a sleep. */
async function eventually(check: () => Promise<boolean>, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (await check()) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

const connectionsOf = async (url: string) =>
  (await (await fetch(`${url}/connections`)).json()) as { socketio: number; sse: number };

describe('clients that stop reading (e2e)', () => {
  let t: TestApp;
  let reader: SocketClient | undefined;
  const raw: RawClient[] = [];

  beforeAll(async () => {
    t = await startApp({
      STREAM_MAX_BUFFER_BYTES: String(MAX_BUFFER),
      EVENT_LOG_LIMIT: '5000',
      MAX_MESSAGE_CHARS: String(4 * (SLOW_TEST_WORD_CHARS + 20)),
      MCP_CONFIG: noMcpServers(),
    });
  });

  afterEach(() => {
    raw.splice(0).forEach((client) => client.socket.destroy());
    reader?.socket.disconnect();
    reader = undefined;
  });

  afterAll(async () => {
    await t?.close();
    await waitForNoChildren();
  });

  const connections = () => connectionsOf(t.url);
  const onlyOne = async () => {
    const open = await connections();
    return open.socketio + open.sse === 1;
  };

  /** A session with a reading socket.io client that has already run two turns. */
  const readingSession = async () => {
    reader = await connectSocket(t.url);
    const { sessionId } = await runSocketTurn(reader, bulky(0));
    await runSocketTurn(reader, bulky(0), sessionId);
    return { reader, sessionId };
  };

  it('should drop each connection that stops reading once it is STREAM_MAX_BUFFER_BYTES behind, keep the reader, and free the memory', async () => {
    const { reader, sessionId } = await readingSession();
    const baseline = settledMemory();
    for (let i = 0; i < STALLED_PER_TRANSPORT; i++) {
      raw.push(await rawSse(t.url, sessionId), await rawSocketIo(t.url, sessionId));
    }
    expect(await connections()).toMatchObject({ socketio: 1 + STALLED_PER_TRANSPORT, sse: STALLED_PER_TRANSPORT });

    // Turns go on until the server has let go of the stalled socket.io clients (their count drops at
    // once), and a few more, enough to take the SSE ones as far past the bound; those are let go once
    // they have made no progress for the grace, with nothing more sent meanwhile.
    let turns = 0;
    let margin = MARGIN_TURNS;
    while (margin > 0 && turns < MAX_TURNS) {
      const turn = await runSocketTurn(reader, bulky(++turns), sessionId);
      expect(turn.end.type).toBe('final_response');
      if ((await connections()).socketio === 1) {
        margin--;
      }
    }
    expect(await eventually(onlyOne, 30_000)).toBe(true);
    expect(await connections()).toMatchObject({ socketio: 1, sse: 0 });
    // The reader kept up and was never dropped: it saw every turn.
    expect(reader.socket.connected).toBe(true);
    expect(reader.recorder.events.filter((e) => e.type === 'final_response')).toHaveLength(turns + 2);

    // Once the clients and the session are gone, so is the memory they took. (This process holds the
    // server and the clients: what the clients kept is let go first, so that RSS speaks of the server.)
    raw.splice(0).forEach((client) => client.socket.destroy());
    reader.recorder.events.length = 0;
    expect((await fetch(`${t.url}/api/v3/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204);
    // Generous: about 11 MB stays here alone (compiled code, pooled buffers), three times that is allowed.
    expect(settledMemory() - baseline).toBeLessThan(40 * MiB);
  });

  it('should tell a slow client why it was dropped, after what it was sent, and let it resume with nothing missed', async () => {
    const { reader, sessionId } = await readingSession();
    const slowSse = await rawSse(t.url, sessionId);
    const slowSocket = await rawSocketIo(t.url, sessionId);
    raw.push(slowSse, slowSocket);
    slowSse.throttle(SLOW_READ_EVERY_MS);
    slowSocket.throttle(SLOW_READ_EVERY_MS);

    // They read less than the server writes; the kernel's buffers hold megabytes before the server's
    // fill up. Once dropped, they read on to the end of what they were sent, and find why.
    const toldWhy = (client: RawClient) => client.text.includes('STREAM_BUFFER_EXCEEDED');
    let turns = 0;
    while (!(toldWhy(slowSse) && toldWhy(slowSocket)) && turns < MAX_TURNS) {
      // Sent without joining again: a join's answer carries the latest (bulky) history, which would
      // slow the writer down to the slow readers' pace.
      const turnId = await sendMessage(reader, sessionId, bulky(++turns, SLOW_TEST_WORD_CHARS));
      expect((await reader.recorder.turnEnd(turnId)).type).toBe('final_response');
    }
    // SSE: a comment after the last event, then the end of the response. WebSocket: a close frame, code 1013.
    expect(slowSse.text).toMatch(
      /\n: STREAM_BUFFER_EXCEEDED: \d+ bytes behind \(STREAM_MAX_BUFFER_BYTES 262144\); resume from the last event id\n\n/,
    );
    expect(slowSocket.text).toContain('\x03\xf5STREAM_BUFFER_EXCEEDED: ');
    expect(await eventually(onlyOne, 30_000)).toBe(true);

    // The slow SSE client resumes from the last event it read, with nothing missed and nothing twice.
    const resumeAfter = lastEventIdOf(slowSse.text);
    const resumed = await connectSse(t.url, sessionId, { 'last-event-id': String(resumeAfter) });
    try {
      const latest = reader.recorder.events[reader.recorder.events.length - 1].id;
      await resumed.recorder.waitFor((e) => e.id === latest, `replay up to event ${latest}`);
      expect(resumed.recorder.events.map((e) => e.id)).toEqual(
        Array.from({ length: latest - resumeAfter }, (_, i) => resumeAfter + 1 + i),
      );
    } finally {
      resumed.close();
    }
  });
});

describe('clients that stop reading on a stream that is not full (e2e)', () => {
  const STALL_MS = 1500;
  // Several times what the kernel's buffers take from a client that stopped reading (about 4 MB on
  // loopback here), far less than the byte bound below: only the stall can drop them.
  const SENT_BYTES = 24 * MiB;
  let t: TestApp;
  let reader: SocketClient | undefined;
  const raw: RawClient[] = [];

  beforeAll(async () => {
    t = await startApp({
      STREAM_STALL_MS: String(STALL_MS),
      STREAM_MAX_BUFFER_BYTES: String(256 * MiB),
      EVENT_LOG_LIMIT: '5000',
      MAX_MESSAGE_CHARS: String(4 * (SLOW_TEST_WORD_CHARS + 20)),
      MCP_CONFIG: noMcpServers(),
    });
  });

  afterAll(async () => {
    raw.splice(0).forEach((client) => client.socket.destroy());
    reader?.socket.disconnect();
    await t?.close();
  });

  it('should drop connections holding unsent bytes with no progress for STREAM_STALL_MS, also once the session is quiet, and keep the reader', async () => {
    reader = await connectSocket(t.url);
    const { sessionId } = await runSocketTurn(reader, 'hello');
    const stalled = [await rawSse(t.url, sessionId), await rawSocketIo(t.url, sessionId)];
    raw.push(...stalled);
    const onlyTheReader = async () => {
      const open = await connectionsOf(t.url);
      return open.socketio === 1 && open.sse === 0;
    };

    // Each turn writes its text several times over (partial responses, the answer): about 0.4 MB a client.
    let sent = 0;
    let turns = 0;
    while (sent < SENT_BYTES && !(await onlyTheReader())) {
      const message = bulky(++turns, SLOW_TEST_WORD_CHARS);
      const turnId = await sendMessage(reader, sessionId, message);
      expect((await reader.recorder.turnEnd(turnId)).type).toBe('final_response');
      sent += 3 * message.length;
    }
    // Whatever the turns left pending, the quiet session drops them all the same.
    expect(await eventually(onlyTheReader, 30_000)).toBe(true);
    expect(reader.socket.connected).toBe(true);
    // The server closed them: reading again, each finds the end of its connection.
    stalled.forEach((client) => client.socket.resume());
    await Promise.all(stalled.map((client) => client.closed));
  });
});
