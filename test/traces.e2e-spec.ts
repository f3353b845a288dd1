import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { everythingServer } from './fixtures/mcp-servers';
import { ScriptedLlm } from './fixtures/scripted-llm';
import { clusterNodeEnv, startNodes } from './helpers/app-node';
import type { AppNode } from './helpers/app-node';
import { bearer, createSession, postJson } from './helpers/http';
import { OtlpReceiver } from './helpers/otlp-receiver';
import type { ReceivedSpan } from './helpers/otlp-receiver';
import { startRedis } from './helpers/redis-server';
import type { RedisServer } from './helpers/redis-server';
import { sentTo, waitUntil } from './helpers/wait';

const PROXY = require.resolve('./fixtures/recording-proxy.cjs');
const MODERN = require.resolve('./fixtures/modern-server.cjs');
const KEY = 'alice-trace-key-0123456789';
const SECRET_WORDS = 'zebra-marmalade';

const hex = (length: number) => Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join('');
const OK = 1;
const ERROR = 2;
const CLIENT = 3;

/** One trace per turn, from the request that sent it to each MCP server that served it (e2e). */
describe('Traces (e2e)', () => {
  let receiver: OtlpReceiver;
  let redis: RedisServer;
  let llm: ScriptedLlm;
  let dir: string;
  let nodes: AppNode[] = [];
  const records = { legacy: '', modern: '' };

  beforeAll(async () => {
    receiver = new OtlpReceiver();
    const collector = await receiver.start();
    redis = await startRedis();
    llm = new ScriptedLlm();
    const llmUrl = await llm.start();
    dir = mkdtempSync(join(tmpdir(), 'traces-'));
    records.legacy = join(dir, 'legacy.jsonl');
    records.modern = join(dir, 'modern.jsonl');
    const everything = everythingServer();
    writeFileSync(
      join(dir, 'mcp.json'),
      JSON.stringify({
        mcpServers: {
          // SDK 1.x (server-everything) and SDK 2.x (the 2026-07-28 fixture), each behind a recorder.
          legacy: {
            command: process.execPath,
            args: [PROXY, everything.command, ...everything.args],
            env: { RECORD_FILE: records.legacy },
            protocol: '2025-11-25',
          },
          modern: {
            command: process.execPath,
            args: [PROXY, process.execPath, MODERN],
            env: { RECORD_FILE: records.modern },
          },
        },
      }),
    );
    const env = (node: string) => ({
      ...clusterNodeEnv(node, redis.url, llmUrl, join(dir, 'mcp.json')),
      AUTH_API_KEYS: `alice:${KEY}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=collector-secret-123',
      OTEL_SERVICE_NAME: `mcp-host-${node}`,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    nodes = await startNodes(env('node-a'), env('node-b'));
  });

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await llm?.stop();
    await redis?.close();
    await receiver?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The trace's spans once its turn span (the last to end) arrived. */
  async function traceOf(traceId: string): Promise<ReceivedSpan[]> {
    await waitUntil(() => receiver.trace(traceId).some((span) => span.name === 'invoke_agent'), `trace ${traceId}`);
    return receiver.trace(traceId);
  }

  it('should make a tool turn one trace: turn, model requests, tool calls and MCP requests with their context', async () => {
    const traceId = hex(32);
    const parent = hex(16);
    const response = await fetch(`${nodes[0].url}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(KEY), traceparent: `00-${traceId}-${parent}-01` },
      body: JSON.stringify({
        message: `${SECRET_WORDS} [[tool:legacy__echo {"message":"${SECRET_WORDS}"}]] [[tool:modern__echo {"message":"x"}]]`,
      }),
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { turn_id: string; session_id: string; usage: Record<string, number> };
    const spans = await traceOf(traceId);
    const turn = spans.find((span) => span.name === 'invoke_agent')!;
    expect(turn).toMatchObject({
      parentSpanId: parent,
      status: OK,
      service: 'mcp-host-node-a',
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.conversation.id': answer.session_id,
        'mcp_host.turn.id': answer.turn_id,
        'mcp_host.model': 'scripted',
        'mcp_host.turn.outcome': 'completed',
      },
    });
    // Every span descends from the turn's.
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const descends = (span: ReceivedSpan): boolean =>
      span === turn ||
      (span.parentSpanId !== undefined && byId.has(span.parentSpanId) && descends(byId.get(span.parentSpanId)!));
    expect(spans.filter((span) => !descends(span))).toEqual([]);

    const chats = spans.filter((span) => span.name === 'chat scripted');
    expect(chats).toHaveLength(2);
    for (const chat of chats) {
      expect(chat).toMatchObject({
        parentSpanId: turn.spanId,
        kind: CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'scripted',
        },
      });
    }
    const sum = (key: string) => chats.reduce((total, chat) => total + Number(chat.attributes[key]), 0);
    expect(sum('gen_ai.usage.input_tokens')).toBe(answer.usage.input_tokens);
    expect(sum('gen_ai.usage.output_tokens')).toBe(answer.usage.output_tokens);

    for (const server of ['legacy', 'modern'] as const) {
      const tool = spans.find((span) => span.name === `execute_tool ${server}__echo`);
      expect(tool).toMatchObject({
        parentSpanId: turn.spanId,
        status: OK,
        attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': `${server}__echo` },
      });
      // The MCP request under it, as the server names the tool.
      const call = spans.find((span) => span.parentSpanId === tool!.spanId);
      expect(call).toMatchObject({
        name: 'tools/call echo',
        kind: CLIENT,
        status: OK,
        attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo' },
      });
      // The server saw the client span's context (SEP-414), on SDK 1.x and 2.x alike.
      const seen = sentTo(records[server]).filter((message) => message.method === 'tools/call');
      expect(seen.map((message) => (message.params?._meta as Record<string, string>).traceparent)).toContainEqual(
        `00-${traceId}-${call!.spanId}-01`,
      );
    }
    // Nothing a user wrote, no principal, no key left the process.
    const exported = receiver.bodies.join('\n');
    expect(exported).not.toContain(SECRET_WORDS);
    expect(exported).not.toMatch(/alice|alice-trace-key|collector-secret|test-key/);
  });

  it("should join the sending request's trace on the node that runs the turn", async () => {
    // The session is held by node A; the message goes to node B, which hands the turn to A.
    const sessionId = await createSession(nodes[0].url, KEY);
    const traceId = hex(32);
    const parent = hex(16);
    const sent = await fetch(`${nodes[1].url}/api/v3/chat/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(KEY), traceparent: `00-${traceId}-${parent}-01` },
      body: JSON.stringify({ session_id: sessionId, message: 'across nodes' }),
    });
    expect(sent.status).toBe(202);
    const turn = (await traceOf(traceId)).find((span) => span.name === 'invoke_agent');
    expect(turn).toMatchObject({ parentSpanId: parent, service: 'mcp-host-node-a' });
  });

  it('should start a new trace for a turn sent without one, and mark a failed turn an error', async () => {
    const before = new Set(receiver.spans.map((span) => span.traceId));
    const failed = await postJson(`${nodes[0].url}/chat`, { message: '[[status:500]]' }, KEY);
    expect(failed.status).toBe(502);
    await waitUntil(
      () => receiver.spans.some((span) => span.name === 'invoke_agent' && !before.has(span.traceId)),
      'the failed turn span',
    );
    const turn = receiver.spans.find((span) => span.name === 'invoke_agent' && !before.has(span.traceId))!;
    expect(turn).toMatchObject({
      parentSpanId: undefined,
      status: ERROR,
      attributes: { 'mcp_host.turn.outcome': 'failed', 'error.type': 'LLM_ERROR' },
    });
  });
});
