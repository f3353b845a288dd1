import type { StreamEventOf } from '../src/contract/events';
import { everythingServer } from './fixtures/mcp-servers';
import { connectSocket } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { bearer } from './helpers/http';
import { waitForNoChildren } from './helpers/processes';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const KEYS = { alice: 'alice-key-0123456789abcdef', bob: 'bob-key-0123456789abcdef00' };
// The PNG server-everything's get-tiny-image returns, as it sends it.
const TINY_IMAGE = /^iVBORw0KGgo[\w+/=]+$/;

async function turn(client: SocketClient, content: string) {
  const { session_id } = (await client.socket.emitWithAck('join_chat', {})) as { session_id: string };
  const { turn_id } = (await client.socket.emitWithAck('chat_message', { session_id, content })) as {
    turn_id: string;
  };
  const end = await client.recorder.turnEnd(turn_id);
  const calls = client.recorder.ofTurn(turn_id, ['tool_call']) as Array<StreamEventOf<'tool_call'>>;
  const observing = client.recorder.ofTurn(turn_id, ['observing']) as Array<StreamEventOf<'observing'>>;
  return { sessionId: session_id, end, result: calls.at(-1)!.data, observing: observing[0].data };
}

interface RequestMessage {
  role: string;
  content: unknown;
}

/** The parts of the last chat request's messages that carry images. */
const imageParts = (t: TestApp): string[] =>
  (t.llm.requests.at(-1)!.messages as RequestMessage[])
    .flatMap((message) => (Array.isArray(message.content) ? (message.content as Array<Record<string, unknown>>) : []))
    .filter((part) => part.type === 'image_url')
    .map((part) => (part.image_url as { url: string }).url);

describe('rich tool content: images and resources (e2e)', () => {
  let t: TestApp;
  let alice: SocketClient;
  let bob: SocketClient;

  beforeAll(async () => {
    t = await startApp({
      AUTH_API_KEYS: `alice:${KEYS.alice},bob:${KEYS.bob}`,
      MCP_CONFIG: writeMcpConfig({ everything: everythingServer() }),
    });
    alice = await connectSocket(t.url, KEYS.alice);
    bob = await connectSocket(t.url, KEYS.bob);
  });

  afterAll(async () => {
    alice?.socket.disconnect();
    bob?.socket.disconnect();
    await t?.close();
    await waitForNoChildren();
  });

  it("should show the model a tool's image as an image part, and link it in the event, not inline it", async () => {
    const { sessionId, end, result, observing } = await turn(alice, '[[tool:get-tiny-image {}]]');

    // The model got the image after the tool result, as an OpenAI image_url part.
    const [image] = imageParts(t);
    expect(image).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect(end.data).toMatchObject({
      content: expect.stringMatching(/^Observed: [\s\S]*\[image 1: image\/png\][\s\S]* \(and 1 image\)$/),
    });

    // People get a link to it; no event, observation or history entry carries the bytes.
    expect(result).toMatchObject({
      status: 'succeeded',
      result: "Here's the image you requested:\n[image 1: image/png]\nThe image above is the MCP logo.",
      content: [{ type: 'image', mime_type: 'image/png', size: expect.any(Number), url: expect.any(String) }],
    });
    expect(observing.observations[0].content).not.toMatch(TINY_IMAGE);
    const history = await (
      await fetch(`${t.url}/api/v3/sessions/${sessionId}/messages`, { headers: bearer(KEYS.alice) })
    ).text();
    expect(history).toContain('[image 1: image/png]');
    expect(history).not.toContain('iVBORw0KGgo');

    // The link gives the owner the very bytes, as a sandboxed document.
    const url = `${t.url}${result.content![0].url}`;
    const answer = await fetch(url, { headers: bearer(KEYS.alice) });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('image/png');
    expect(answer.headers.get('content-security-policy')).toContain('sandbox');
    const bytes = Buffer.from(await answer.arrayBuffer());
    expect(bytes.length).toBe(result.content![0].size);
    expect(image).toBe(`data:image/png;base64,${bytes.toString('base64')}`);
  });

  it("should answer someone else's artifact, a wrong id, and no credentials exactly as if none existed", async () => {
    const { sessionId, result } = await turn(alice, '[[tool:get-tiny-image {}]]');
    const url = `${t.url}${result.content![0].url}`;
    const theirs = await fetch(url, { headers: bearer(KEYS.bob) });
    const missing = await fetch(`${t.url}/api/v3/sessions/${sessionId}/artifacts/AAAAAAAAAAAAAAAAAAAAAA`, {
      headers: bearer(KEYS.bob),
    });
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    type ErrorBody = { error: { code: string; message: string } };
    const [theirBody, missingBody] = [(await theirs.json()) as ErrorBody, (await missing.json()) as ErrorBody];
    expect(theirBody.error.code).toBe('NOT_FOUND');
    expect(theirBody.error.message.replace(/\S+ of session \S+/, '')).toBe(
      missingBody.error.message.replace(/\S+ of session \S+/, ''),
    );
    expect((await fetch(url)).status).toBe(401);
    const malformed = await fetch(`${t.url}/api/v3/sessions/${sessionId}/artifacts/..%2F..%2Fetc`, {
      headers: bearer(KEYS.alice),
    });
    expect(malformed.status).toBe(404);
  });

  it('should list embedded resources and resource links in the event, and keep a binary one as an artifact', async () => {
    const links = await turn(alice, '[[tool:get-resource-links {"count":2}]]');
    expect(links.result.content).toEqual([
      expect.objectContaining({ type: 'resource_link', uri: expect.stringMatching(/^demo:\/\//) }),
      expect.objectContaining({ type: 'resource_link', uri: expect.stringMatching(/^demo:\/\//) }),
    ]);
    expect(links.result.result).toContain('[resource link demo://');

    const text = await turn(alice, '[[tool:get-resource-reference {"resourceType":"Text","resourceId":1}]]');
    expect(text.result.content).toEqual([expect.objectContaining({ type: 'resource', uri: expect.any(String) })]);

    const blob = await turn(alice, '[[tool:get-resource-reference {"resourceType":"Blob","resourceId":2}]]');
    const [file] = blob.result.content!;
    expect(file).toMatchObject({ type: 'resource', url: expect.any(String), uri: expect.any(String) });
    expect((await fetch(`${t.url}${file.url}`, { headers: bearer(KEYS.alice) })).status).toBe(200);
  });
});

describe('rich tool content with TOOL_IMAGE_MAX_BYTES=0 (e2e)', () => {
  let t: TestApp;
  let client: SocketClient;

  beforeAll(async () => {
    t = await startApp({ TOOL_IMAGE_MAX_BYTES: '0', MCP_CONFIG: writeMcpConfig({ everything: everythingServer() }) });
    client = await connectSocket(t.url);
  });

  afterAll(async () => {
    client?.socket.disconnect();
    await t?.close();
    await waitForNoChildren();
  });

  it('should tell the model in words that there was an image, and still link it for people', async () => {
    const { end, result } = await turn(client, '[[tool:get-tiny-image {}]]');
    expect(imageParts(t)).toEqual([]);
    expect(end.data).toMatchObject({ content: expect.stringContaining('1 image(s) not shown to you') });
    expect(result.content).toEqual([expect.objectContaining({ type: 'image', url: expect.any(String) })]);
  });
});
