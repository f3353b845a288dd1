import { Redis } from 'ioredis';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { StreamEvent, StreamEventOf } from '../src/contract/events';
import { everythingServer } from './fixtures/mcp-servers';
import { ScriptedLlm } from './fixtures/scripted-llm';
import { alive, clusterNodeEnv, startNodes } from './helpers/app-node';
import type { AppNode } from './helpers/app-node';
import { connectSocket, connectSse, runSocketTurn, toolCallsOf } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { createSession, postJson } from './helpers/http';
import { startRedis } from './helpers/redis-server';
import type { RedisServer } from './helpers/redis-server';

const SESSIONS = 12;

describe('Two nodes with MCP servers on one Redis (e2e)', () => {
  let redis: RedisServer;
  let llm: ScriptedLlm;
  let dir: string;
  let nodes: AppNode[] = [];
  let watcher: Redis | undefined;
  // session_end events seen on the sessions' channels, by session id.
  const ends = new Map<string, StreamEvent[]>();
  const waiters: Array<() => void> = [];

  /** Resolves once each of these sessions has published its session_end (watched from now on). */
  const ended = async (ids: string[]) => {
    await watcher!.ssubscribe(...ids.map((id) => `mcphost:{${id}}:live`));
    return new Promise<void>((resolve) => {
      const check = () => ids.every((id) => (ends.get(id)?.length ?? 0) > 0);
      if (check()) {
        resolve();
        return;
      }
      waiters.push(() => check() && resolve());
    });
  };

  beforeAll(async () => {
    redis = await startRedis();
    llm = new ScriptedLlm();
    const llmUrl = await llm.start();
    dir = mkdtempSync(join(tmpdir(), 'mcp-host-sweep-'));
    const ask = { command: process.execPath, args: [require.resolve('./fixtures/ask-user-server.cjs')] };
    const notes = {
      command: process.execPath,
      args: [require.resolve('./fixtures/notes-server.cjs')],
      require_approval: 'writes',
    };
    const counter = { command: process.execPath, args: [require.resolve('./fixtures/app-server.mjs')] };
    writeFileSync(
      join(dir, 'mcp.json'),
      JSON.stringify({ mcpServers: { everything: everythingServer(), ask, notes, counter } }),
    );
    watcher = new Redis(redis.url);
    // Each message on a session's (sharded) channel is a batch of its events (a JSON array).
    watcher.on('smessage', (_channel: string, message: string) => {
      for (const event of JSON.parse(message) as StreamEvent[]) {
        if (event.type === 'session_end') {
          ends.set(event.session_id, [...(ends.get(event.session_id) ?? []), event]);
          waiters.forEach((wake) => wake());
        }
      }
    });
    const env = (node: string) => ({
      ...clusterNodeEnv(node, redis.url, llmUrl, join(dir, 'mcp.json')),
      SESSION_TTL_MS: '3000',
      SESSION_SWEEP_MS: '100',
      // A node stopped mid-turn hands its session over at once (the drain is tested elsewhere).
      DRAIN_TIMEOUT_MS: '0',
    });
    nodes = await startNodes(env('sweep-a'), env('sweep-b'));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    watcher?.disconnect();
    await redis?.close();
    await llm?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends a message over the client, in the session, and waits for the turn to ask its user (`type`). */
  async function askingTurn<K extends 'elicitation' | 'approval'>(
    client: SocketClient,
    sessionId: string,
    content: string,
    type: K,
  ): Promise<{ turnId: string; pending: StreamEventOf<K> }> {
    await client.socket.emitWithAck('join_chat', { session_id: sessionId });
    const { turn_id: turnId } = (await client.socket.emitWithAck('chat_message', {
      session_id: sessionId,
      content,
    })) as {
      turn_id: string;
    };
    const pending = await client.recorder.waitFor((e) => e.turn_id === turnId && e.type === type);
    return { turnId, pending: pending as StreamEventOf<K> };
  }

  /** Runs a turn of the session over the client; its last tool_call event's data. */
  async function lastToolCall(client: SocketClient, sessionId: string, content: string) {
    const { turnId } = await runSocketTurn(client, content, sessionId);
    return toolCallsOf(client, turnId).at(-1)!.data;
  }

  it('should pass an elicitation answer given on one node to the turn asking it on the other', async () => {
    const [holder, other] = nodes;
    const sessionId = await createSession(holder.url);
    const client = await connectSocket(other.url);
    try {
      const { turnId, pending } = await askingTurn(client, sessionId, '[[tool:ask-name {}]]', 'elicitation');
      const elicitationId = pending.data.elicitation_id;
      const answer = (content: Record<string, unknown>) =>
        client.socket.emitWithAck('elicitation_response', {
          session_id: sessionId,
          elicitation_id: elicitationId,
          action: 'accept',
          content,
        });
      // Checked against the schema on the node that holds the question; its refusal comes back here.
      expect(await answer({ nickname: 'Ada' })).toEqual({
        error: { code: 'VALIDATION_FAILED', message: expect.stringContaining("must have required property 'name'") },
      });
      expect(await answer({ name: 'Ada Lovelace' })).toMatchObject({ action: 'accept' });
      expect((await client.recorder.turnEnd(turnId)).data).toMatchObject({
        content: 'Observed: Name: Ada Lovelace',
      });
      const again = await postJson(`${other.url}/api/v3/sessions/${sessionId}/elicitations/${elicitationId}`, {
        action: 'decline',
      });
      expect(again.status).toBe(404);
    } finally {
      client.socket.disconnect();
    }
  });

  it("should serve a tool result's image from either node, the artifact being in Redis", async () => {
    const [holder, other] = nodes;
    const sessionId = await createSession(holder.url);
    const client = await connectSocket(holder.url);
    try {
      const [image] = (await lastToolCall(client, sessionId, '[[tool:get-tiny-image {}]]')).content!;
      const [fromHolder, fromOther] = await Promise.all(
        [holder, other].map(async (node) => Buffer.from(await (await fetch(`${node.url}${image.url}`)).arrayBuffer())),
      );
      expect(fromOther.length).toBe(image.size);
      expect(fromOther.equals(fromHolder)).toBe(true);
    } finally {
      client.socket.disconnect();
    }
  });

  it("should open a tool's view from either node, and run its calls on the node that holds the session", async () => {
    const [holder, other] = nodes;
    const sessionId = await createSession(holder.url);
    const client = await connectSocket(holder.url);
    try {
      const done = await lastToolCall(client, sessionId, '[[tool:show_counter {}]]');
      const app = done.content!.find((item) => item.type === 'app')!;
      const view = (await (await postJson(`${other.url}${app.url}/open`, {})).json()) as {
        document_url: string;
        result: { structuredContent: { count: number } };
      };
      // The ticket is in Redis: the node that did not give it serves the document.
      expect((await fetch(`${holder.url}${view.document_url}`)).status).toBe(200);
      // The call goes to the holder, whose process of the session's server has the count the view showed.
      const call = await postJson(`${other.url}${app.url}/tools/call`, { name: 'increment', arguments: { by: 3 } });
      expect(await call.json()).toMatchObject({
        structuredContent: { count: view.result.structuredContent.count + 3 },
      });
    } finally {
      client.socket.disconnect();
    }
  });

  it('should pass an approval given on one node to the turn waiting for it on the other', async () => {
    const [holder, other] = nodes;
    const sessionId = await createSession(holder.url);
    const client = await connectSocket(other.url);
    try {
      const { turnId, pending } = await askingTurn(
        client,
        sessionId,
        '[[tool:write_note {"text":"across"}]]',
        'approval',
      );
      const approvalId = pending.data.approval_id;
      const url = `${other.url}/api/v3/sessions/${sessionId}/approvals/${approvalId}`;
      expect(await (await postJson(url, { approved: true })).json()).toMatchObject({ approved: true });
      expect((await client.recorder.turnEnd(turnId)).data).toMatchObject({ content: 'Observed: saved across' });
      expect((await postJson(url, { approved: true })).status).toBe(404);
    } finally {
      client.socket.disconnect();
    }
  });

  it('should move a session with its MCP servers when its node shuts down: the next turn runs, with tools, on the other', async () => {
    const [first, second] = nodes;
    const sessionId = await createSession(first.url);
    expect(
      await postJson(`${first.url}/chat`, { session_id: sessionId, message: 'start the tools here' }),
    ).toMatchObject({
      status: 200,
    });
    const serversOnFirst = first.children();
    expect(serversOnFirst.length).toBeGreaterThan(0);
    const watcher = await connectSse(second.url, sessionId);
    try {
      const held = (
        (await (
          await postJson(`${second.url}/api/v3/chat/send`, { session_id: sessionId, message: '[[hold:move]]' })
        ).json()) as { turn_id: string }
      ).turn_id;
      const queued = (
        (await (
          await postJson(`${second.url}/api/v3/chat/send`, {
            session_id: sessionId,
            message: '[[tool:echo {"message":"moved"}]]',
          })
        ).json()) as { turn_id: string }
      ).turn_id;
      await llm.held('move');
      await first.stop();

      expect(await watcher.recorder.turnEnd(held)).toMatchObject({
        type: 'error',
        data: { code: 'SERVER_SHUTDOWN', session_usable: true },
      });
      expect(await watcher.recorder.turnEnd(queued, 30_000)).toMatchObject({
        type: 'final_response',
        data: { content: 'Observed: Echo: moved' },
      });
      expect(await (await fetch(`${second.url}/api/v3/sessions/${sessionId}`)).json()).toMatchObject({
        node: 'sweep-b',
      });
      // The old node closed the session's servers (no orphans); the new one started its own.
      expect(serversOnFirst.filter(alive)).toEqual([]);
      expect(second.children().length).toBeGreaterThan(0);
    } finally {
      watcher.close();
      llm.release('move');
      await first.start();
    }
  });

  it('should end each expired session exactly once, stopping its MCP servers on the node that held it', async () => {
    const stats = async (node: AppNode) =>
      (await (await fetch(`${node.url}/sessions`)).json()) as { total: number; with_mcp_clients: number };
    // The sessions of the tests before expire first (SESSION_TTL_MS is short here), so counts start at 0.
    while ((await stats(nodes[0])).total > 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const ids = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => createSession(nodes[i % 2].url)));
    // Watched from their creation: each may expire while the others' turns run.
    const allEnded = ended(ids);
    // One session per node starts its MCP servers with a turn, both at once, and each node is read
    // right after its own turn: one waiting for the other's cold start could see its session expire.
    const started = await Promise.all(
      nodes.map(async (node, i) => {
        const turn = await postJson(`${node.url}/chat`, { session_id: ids[i], message: 'start the tools' });
        return { status: turn.status, ...(await stats(node)) };
      }),
    );
    expect(started).toEqual([
      expect.objectContaining({ status: 200, with_mcp_clients: 1 }),
      expect.objectContaining({ status: 200, with_mcp_clients: 1 }),
    ]);

    await allEnded;
    // A session created afterwards expires a sweep or more later: by then every node has swept again.
    await ended([await createSession(nodes[0].url)]);

    for (const id of ids) {
      expect(ends.get(id)).toEqual([expect.objectContaining({ type: 'session_end', data: { reason: 'expired' } })]);
    }
    for (const node of nodes) {
      expect(await (await fetch(`${node.url}/sessions`)).json()).toMatchObject({
        total: 0,
        held: 0,
        with_mcp_clients: 0,
      });
      const health = (await (await fetch(`${node.url}/health`)).json()) as {
        details: { mcp: { processes: { live: number } } };
      };
      expect(health.details.mcp.processes.live).toBe(0);
    }
  });
});
