import type { ChatMessage } from '../src/contract/session-record';
import { connectSocket, connectSse, runSocketTurn, sendMessage } from './helpers/events';
import type { SocketClient, SseClient } from './helpers/events';
import { bearer } from './helpers/http';
import { waitForNoChildren } from './helpers/processes';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const KEYS = { alice: 'alice-key-0123456789', bob: 'bob-key-0123456789ab' };

/** What these tests read of the answers. */
interface Body extends Partial<Listed> {
  error?: { code: string; message: string };
  title?: string;
  messages?: ChatMessage[];
  resources?: Array<{ uri: string; mimeType?: string }>;
  contents?: Array<{ text: string }>;
  [field: string]: unknown;
}

interface Listed {
  sessions: Array<{ session_id: string; title: string | null; message_count: number; match?: string }>;
  next_cursor: string | null;
}

describe('Chats: rename, search, tool switches, reload mid-turn, regenerate and attachments (e2e)', () => {
  let t: TestApp;
  let alice: SocketClient;
  const streams: SseClient[] = [];

  beforeAll(async () => {
    t = await startApp({ AUTH_API_KEYS: `alice:${KEYS.alice},bob:${KEYS.bob}`, MAX_ATTACHMENTS: '2' });
    alice = await connectSocket(t.url, KEYS.alice);
  });

  afterEach(() => streams.splice(0).forEach((stream) => stream.close()));

  afterAll(async () => {
    alice?.socket.disconnect();
    await t?.close();
    await waitForNoChildren();
  });

  const api = async (method: string, path: string, body?: unknown, key = KEYS.alice) => {
    const response = await fetch(`${t.url}/api/v3${path}`, {
      method,
      headers: { ...bearer(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as Body };
  };
  const history = async (sessionId: string) =>
    (await api('GET', `/sessions/${sessionId}/messages`)).body.messages ?? [];
  const toolsOfLastRequest = () => (t.llm.requests.at(-1)?.tools ?? []).map((tool) => tool.function.name);

  it('should rename a chat and switch its tools, for its owner only, refusing what makes no sense', async () => {
    const { sessionId } = await runSocketTurn(alice, 'Plan the **trip**');
    const renamed = await api('PATCH', `/sessions/${sessionId}`, { title: '  Trip\n plans ' });
    expect(renamed).toMatchObject({ status: 200, body: { session_id: sessionId, title: 'Trip plans' } });
    const switched = await api('PATCH', `/sessions/${sessionId}`, { disabled_tools: ['everything/echo'] });
    expect(switched.body).toMatchObject({ title: 'Trip plans', disabled_tools: ['everything/echo'] });

    for (const body of [
      {},
      { title: ' ' },
      { title: 'x'.repeat(81) },
      { disabled_tools: 'everything' },
      { disabled_tools: [''] },
    ]) {
      const refused = await api('PATCH', `/sessions/${sessionId}`, body);
      expect(refused).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    }
    // Someone else's chat is no chat at all to bob.
    const theirs = await api('PATCH', `/sessions/${sessionId}`, { title: 'Mine now' }, KEYS.bob);
    const none = await api('PATCH', '/sessions/no-such-session', { title: 'Mine now' }, KEYS.bob);
    expect(theirs).toEqual({ status: 404, body: { error: { ...none.body.error, message: expect.any(String) } } });
    expect(theirs.body.error?.code).toBe('SESSION_NOT_FOUND');
    expect((await api('GET', `/sessions/${sessionId}`)).body.title).toBe('Trip plans');
  });

  it('should leave switched-off servers and tools out of the next turn', async () => {
    const { sessionId } = await runSocketTurn(alice, 'first');
    expect(toolsOfLastRequest()).toContain('echo');

    await api('PATCH', `/sessions/${sessionId}`, { disabled_tools: ['everything/echo'] });
    await runSocketTurn(alice, 'second', sessionId);
    expect(toolsOfLastRequest()).not.toContain('echo');
    expect(toolsOfLastRequest().length).toBeGreaterThan(0);

    await api('PATCH', `/sessions/${sessionId}`, { disabled_tools: ['everything'] });
    await runSocketTurn(alice, 'third', sessionId);
    expect(toolsOfLastRequest()).toEqual([]);

    await api('PATCH', `/sessions/${sessionId}`, { disabled_tools: [] });
    await runSocketTurn(alice, 'fourth', sessionId);
    expect(toolsOfLastRequest()).toContain('echo');
  });

  it("should count the user's messages and the answers, and search titles and text of the caller's chats", async () => {
    const { sessionId } = await runSocketTurn(alice, '[[tool:echo {"message":"a quokka smiles"}]]');
    const other = await runSocketTurn(alice, 'Nothing to see');
    const listed = (await api('GET', '/sessions')).body as Listed;
    expect(listed.sessions.find((session) => session.session_id === sessionId)?.message_count).toBe(2);

    const found = (await api('GET', '/sessions?q=QUOKKA')).body as Listed;
    expect(found.sessions.map((session) => session.session_id)).toEqual([sessionId]);
    expect(found.sessions[0].match).toContain('quokka');
    expect(found.next_cursor).toBeNull();
    const byTitle = (await api('GET', '/sessions?q=nothing%20to')).body as Listed;
    expect(byTitle.sessions.map((session) => session.session_id)).toEqual([other.sessionId]);
    // One at a time, the cursor goes on from the last session read.
    const page = (await api('GET', '/sessions?q=e&limit=1')).body as Listed;
    expect(page.sessions).toHaveLength(1);
    expect(page.next_cursor).not.toBeNull();
    const rest = (await api('GET', `/sessions?q=e&cursor=${page.next_cursor}`)).body as Listed;
    expect(rest.sessions.map((session) => session.session_id)).not.toContain(page.sessions[0].session_id);

    expect(((await api('GET', '/sessions?q=quokka', undefined, KEYS.bob)).body as Listed).sessions).toEqual([]);
    expect(await api('GET', `/sessions?q=${'x'.repeat(201)}`)).toMatchObject({ status: 400 });
  });

  it('should give a client that comes mid-turn the running and queued prompts and the turn so far, on both transports', async () => {
    const { sessionId } = await runSocketTurn(alice, 'before');
    const running = await sendMessage(alice, sessionId, 'Tell me slowly [[hold:reload]]');
    await t.llm.held('reload');
    const queued = await sendMessage(alice, sessionId, 'and then this');

    const detail = (await api('GET', `/sessions/${sessionId}`)).body;
    expect(detail).toMatchObject({
      status: 'PROCESSING',
      running_turn: { turn_id: running, content: 'Tell me slowly [[hold:reload]]' },
      queued_turns: [{ turn_id: queued, content: 'and then this' }],
    });

    const again = await connectSocket(t.url, KEYS.alice);
    const ack = await again.socket.emitWithAck('join_chat', { session_id: sessionId });
    expect(ack).toMatchObject({ running_turn: { turn_id: running }, queued_turns: [{ turn_id: queued }] });
    const sse = await connectSse(t.url, sessionId, {}, KEYS.alice);
    streams.push(sse);
    for (const client of [again, sse]) {
      const delta = await client.recorder.waitFor((e) => e.turn_id === running && e.type === 'partial_response');
      expect(client.recorder.events[0].type).toBe('session_start');
      expect(delta.data).toMatchObject({ delta: 'Echo: ' });
      // Nothing of the turns before it.
      expect(client.recorder.events.filter((e) => e.turn_id !== null && e.turn_id !== running)).toEqual([]);
    }
    t.llm.release('reload');
    for (const client of [again, sse]) {
      await client.recorder.turnEnd(queued);
    }
    again.socket.disconnect();
  });

  it('should replay the turn a client was told is running, also when it ended before the stream opened', async () => {
    const { sessionId } = await runSocketTurn(alice, 'before');
    const running = await sendMessage(alice, sessionId, 'Quick [[hold:race]]');
    await t.llm.held('race');
    const detail = (await api('GET', `/sessions/${sessionId}`)).body as { running_turn: { turn_id: string } };
    expect(detail.running_turn.turn_id).toBe(running);
    t.llm.release('race');
    await alice.recorder.turnEnd(running);

    // Opened only now, after the turn ended: from_turn still brings it, answer and all.
    const sse = await connectSse(t.url, sessionId, {}, KEYS.alice, { from_turn: running });
    streams.push(sse);
    const end = await sse.recorder.turnEnd(running);
    expect(end.data).toMatchObject({ content: 'Echo: Quick [[hold:race]]' });
    expect(sse.recorder.events[0].type).toBe('session_start');
    expect(sse.recorder.events.filter((e) => e.turn_id !== null && e.turn_id !== running)).toEqual([]);
  });

  it('should regenerate the last turn: the history keeps it, marked replaced, and the model no longer sees it', async () => {
    const { sessionId } = await runSocketTurn(alice, 'one');
    await runSocketTurn(alice, '[[recall]] first try', sessionId);
    const ack = await alice.socket.emitWithAck('chat_message', {
      session_id: sessionId,
      content: '[[recall]] second try',
      replace_last: true,
    });
    const end = await alice.recorder.turnEnd(ack.turn_id);
    expect(end.data).toMatchObject({ content: 'History: one | [[recall]] second try' });

    const messages = await history(sessionId);
    expect(messages.map((message) => message.content)).toEqual([
      'one',
      'Echo: one',
      '[[recall]] first try',
      'History: one | [[recall]] first try',
      '[[recall]] second try',
      'History: one | [[recall]] second try',
    ]);
    expect(messages[4].replaces).toBe(2);
    // A later turn does not see the replaced one either.
    await runSocketTurn(alice, '[[recall]] after', sessionId);
    expect(t.llm.userMessages(t.llm.requests.length - 1)).toEqual(['one', '[[recall]] second try', '[[recall]] after']);
  });

  it('should read attached resources as context the model receives, within MAX_ATTACHMENTS', async () => {
    const { sessionId } = await runSocketTurn(alice, 'hello');
    const listed = await api('GET', `/mcp/servers/everything/resources?session_id=${sessionId}`);
    const resource = listed.body.resources?.find((entry) => entry.mimeType?.startsWith('text/'));
    expect(listed.body.resources).toContainEqual(resource);
    const { body: read } = await api(
      'GET',
      `/mcp/servers/everything/resources/read?session_id=${sessionId}&uri=${encodeURIComponent(resource!.uri)}`,
    );
    const text = read.contents?.[0].text;

    const ack = await alice.socket.emitWithAck('chat_message', {
      session_id: sessionId,
      content: 'Summarize this',
      attachments: [
        { server: 'everything', uri: resource!.uri },
        { server: 'nowhere', uri: 'demo://missing' },
      ],
    });
    await alice.recorder.turnEnd(ack.turn_id);
    const prompt = t.llm.userMessages(t.llm.requests.length - 1).at(-1);
    expect(prompt).toContain(`<attachment server="everything" uri="${resource!.uri}">\n${text}\n</attachment>`);
    expect(prompt).toMatch(/<attachment server="nowhere" uri="demo:\/\/missing" note="could not be read/);
    const stored = (await history(sessionId)).at(-2);
    expect(stored).toMatchObject({
      role: 'user',
      content: 'Summarize this',
      attachments: [
        { server: 'everything', uri: resource!.uri, text },
        { server: 'nowhere', note: expect.any(String) },
      ],
    });

    const tooMany = await alice.socket.emitWithAck('chat_message', {
      session_id: sessionId,
      content: 'three',
      attachments: [1, 2, 3].map((n) => ({ server: 'everything', uri: `demo://${n}` })),
    });
    expect(tooMany.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('MAX_ATTACHMENTS'),
    });
  });
});
