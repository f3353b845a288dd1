import { SessionSweep } from '../src/sessions/session-sweep.service';
import { connectSocket, connectSse, runSocketTurn } from './helpers/events';
import { mcpProcessIds, waitForExit, waitForNoChildren } from './helpers/processes';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

describe('session lifecycle (e2e)', () => {
  let t: TestApp | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
    await waitForNoChildren();
  });

  it('should sweep an idle session on schedule, emit session_end and leave no MCP process', async () => {
    t = await startApp({ SESSION_TTL_MS: '300', SESSION_SWEEP_MS: '100' });
    const client = await connectSocket(t.url);
    try {
      const { sessionId: session_id } = await runSocketTurn(client, '[[tool:echo {"message":"x"}]]');
      const own = mcpProcessIds();
      expect(own).toHaveLength(1);

      const end = await client.recorder.waitFor((e) => e.type === 'session_end', 'session_end from the sweep');
      expect(end).toMatchObject({ session_id, turn_id: null, data: { reason: 'expired' } });
      await waitForExit(own);
      expect((await fetch(`${t.url}/api/v3/sessions/${session_id}`)).status).toBe(404);
    } finally {
      client.socket.disconnect();
    }
  });

  it('should not sweep a session while its turn runs', async () => {
    t = await startApp({ SESSION_TTL_MS: '1', SESSION_SWEEP_MS: '3600000' });
    const sse = await connectSse(t.url);
    try {
      const { session_id } = await sse.recorder.waitFor((e) => e.type === 'session_start');
      const res = await fetch(`${t.url}/api/v3/chat/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ session_id, message: '[[hold:sweep]]' }),
      });
      const { turn_id } = (await res.json()) as { turn_id: string };
      await t.llm.held('sweep');
      const sweep = t.app.get(SessionSweep);

      expect(await sweep.sweepExpired(Date.now() + 10)).toEqual([]);
      t.llm.release('sweep');
      await sse.recorder.turnEnd(turn_id);
      await sse.recorder.waitFor((e) => e.type === 'status' && e.data.status === 'READY');
      expect(await sweep.sweepExpired(Date.now() + 10)).toEqual([session_id]);
      await sse.recorder.waitFor((e) => e.type === 'session_end');
    } finally {
      sse.close();
    }
  });

  it('should end every session with reason shutdown and stop every MCP process when the app closes', async () => {
    t = await startApp();
    const client = await connectSocket(t.url);
    await runSocketTurn(client, '[[tool:echo {"message":"x"}]]');
    expect(mcpProcessIds()).toHaveLength(1);

    await t.close();
    t = undefined;
    // Sent before the sockets closed; the client may still be reading it.
    const end = await client.recorder.waitFor((e) => e.type === 'session_end', 'session_end at shutdown');
    expect(end.data).toEqual({ reason: 'shutdown' });

    expect(mcpProcessIds()).toEqual([]);
    client.socket.disconnect();
  });

  it('should deliver session_end on both transports before the server closes them', async () => {
    t = await startApp();
    const streams = await Promise.all([connectSse(t.url), connectSse(t.url)]);
    const sockets = await Promise.all([connectSocket(t.url), connectSocket(t.url)]);
    await Promise.all(streams.map((sse) => sse.recorder.waitFor((e) => e.type === 'session_start')));
    await Promise.all(sockets.map((client) => client.socket.emitWithAck('join_chat', {})));

    await t.close();
    t = undefined;
    for (const client of [...streams, ...sockets]) {
      const end = await client.recorder.waitFor((e) => e.type === 'session_end', 'session_end at shutdown');
      expect(end.data).toEqual({ reason: 'shutdown' });
    }
    streams.forEach((sse) => sse.close());
    sockets.forEach((client) => client.socket.disconnect());
  });

  it('should end an unfinished turn and a queued one each with SERVER_SHUTDOWN before session_end', async () => {
    t = await startApp();
    const client = await connectSocket(t.url);
    try {
      const { session_id } = (await client.socket.emitWithAck('join_chat', {})) as { session_id: string };
      const send = async (content: string) =>
        ((await client.socket.emitWithAck('chat_message', { session_id, content })) as { turn_id: string }).turn_id;
      const running = await send('[[hold:shutdown]]');
      await t.llm.held('shutdown');
      const queued = await send('behind it');

      await t.close();
      t = undefined;
      const end = await client.recorder.waitFor((e) => e.type === 'session_end', 'session_end at shutdown');
      const errors = client.recorder.events.filter((e) => e.type === 'error');
      expect(errors.map((e) => [e.turn_id, e.data])).toEqual([
        [
          running,
          { code: 'SERVER_SHUTDOWN', message: expect.stringContaining('shutting down'), session_usable: false },
        ],
        [queued, { code: 'SERVER_SHUTDOWN', message: expect.stringContaining('shutting down'), session_usable: false }],
      ]);
      expect(errors.every((error) => error.id < end.id)).toBe(true);
      // Exactly one end per turn: nothing of either turn comes after session_end.
      expect(client.recorder.events[client.recorder.events.length - 1]).toBe(end);
    } finally {
      client.socket.disconnect();
    }
  });
});
