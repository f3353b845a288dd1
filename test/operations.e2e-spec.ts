import { ScriptedLlm } from './fixtures/scripted-llm';
import { connectSocket, runSocketTurn } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { bearer, postJson } from './helpers/http';
import { scrape } from './helpers/metrics';
import { freePort } from './helpers/ports';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const METRICS_TOKEN = 'metrics-token-0123456789';

describe('metrics (e2e)', () => {
  let t: TestApp;
  let client: SocketClient;

  beforeAll(async () => {
    t = await startApp({ METRICS_TOKEN, RATE_LIMIT_PER_MINUTE: '3' });
    client = await connectSocket(t.url);
  });

  afterAll(async () => {
    client.socket.disconnect();
    await t.close();
  });

  it('should refuse /metrics without METRICS_TOKEN, or with another token', async () => {
    for (const headers of [{}, bearer('not-the-metrics-token')]) {
      const response = await fetch(`${t.url}/metrics`, { headers });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    }
    const allowed = await fetch(`${t.url}/metrics`, { headers: bearer(METRICS_TOKEN) });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    // Node's process metrics come with the app's own.
    expect(await allowed.text()).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('should move after a tool turn, a failed turn, a cancelled turn and a rate-limited message', async () => {
    const before = await scrape(t.url, METRICS_TOKEN);
    expect(before.value('mcp_host_connections', { transport: 'socketio' })).toBe(1);
    expect(before.value('mcp_host_turns_total', { outcome: 'completed', model: 'scripted' })).toBe(0);

    const tool = await runSocketTurn(client, '[[tool:echo {"message":"metered"}]]');
    expect(tool.end.type).toBe('final_response');
    const failed = await runSocketTurn(client, '[[status:500]]', tool.sessionId);
    expect(failed.end).toMatchObject({ type: 'error', data: { code: 'LLM_ERROR' } });

    const ack = (await client.socket.emitWithAck('chat_message', {
      session_id: tool.sessionId,
      content: '[[hold:metrics]]',
    })) as { turn_id: string };
    // Its first word reached the agent: the model's first token is counted before the cancel.
    await client.recorder.waitFor((event) => event.turn_id === ack.turn_id && event.type === 'partial_response');
    expect(await client.socket.emitWithAck('cancel', { session_id: tool.sessionId })).toMatchObject({
      cancelled: true,
    });
    expect(await client.recorder.turnEnd(ack.turn_id)).toMatchObject({ data: { code: 'TURN_CANCELLED' } });
    t.llm.release('metrics');

    // A fourth message in the minute is one more than RATE_LIMIT_PER_MINUTE=3 allows.
    const limited = await postJson(`${t.url}/api/v3/chat/send`, { session_id: tool.sessionId, message: 'one more' });
    expect(limited.status).toBe(429);

    const after = await scrape(t.url, METRICS_TOKEN);
    expect(after.value('mcp_host_turns_total', { outcome: 'completed', model: 'scripted' })).toBe(1);
    expect(after.value('mcp_host_turns_total', { outcome: 'failed', model: 'scripted' })).toBe(1);
    expect(after.value('mcp_host_turns_total', { outcome: 'cancelled', model: 'scripted' })).toBe(1);
    expect(after.value('mcp_host_turn_duration_seconds_count')).toBe(3);
    expect(after.value('mcp_host_tool_calls_total', { server: 'everything', tool: 'echo', outcome: 'ok' })).toBe(1);
    expect(after.value('mcp_host_tool_call_duration_seconds_count', { server: 'everything' })).toBe(1);
    expect(after.value('mcp_host_rate_limited_total', { interface: 'sse' })).toBe(1);
    // The tool turn asked the model twice, the cancelled one once (its first word came): three first tokens.
    expect(after.value('mcp_host_llm_time_to_first_token_seconds_count', { model: 'scripted' })).toBe(3);
    expect(after.value('mcp_host_llm_request_duration_seconds_count', { model: 'scripted' })).toBe(2);
    expect(after.value('mcp_host_llm_tokens_total', { model: 'scripted', kind: 'input' })).toBeGreaterThan(0);
    expect(after.value('mcp_host_llm_tokens_total', { model: 'scripted', kind: 'output' })).toBeGreaterThan(0);
    expect(after.value('mcp_host_sessions')).toBe(1);
    expect(after.value('mcp_host_mcp_processes')).toBe(1);
    expect(after.value('mcp_host_queue_depth')).toBe(0);
    // No session ids and no user text in any label.
    expect(after.text).not.toContain(tool.sessionId);
    expect(after.text).not.toContain('metered');
  });
});

describe('readiness (e2e)', () => {
  let t: TestApp;
  let llm: ScriptedLlm | undefined;

  afterAll(async () => {
    await t.close();
    await llm?.stop();
  });

  it('should report an unreachable LLM endpoint as down on /health/ready, and recover once it answers', async () => {
    const port = await freePort();
    t = await startApp({ OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, LLM_HEALTH_INTERVAL_MS: '100' });
    const down = await fetch(`${t.url}/health/ready`);
    expect(down.status).toBe(503);
    // Single-user mode: the one user is the administrator, and sees why.
    expect(await down.json()).toMatchObject({
      status: 'error',
      error: { llm: { status: 'down', message: expect.stringMatching(/unreachable: ECONNREFUSED/) } },
      info: { node: { status: 'up' }, session_store: { status: 'up' }, mcp: { status: 'up' } },
    });
    expect((await fetch(`${t.url}/health/live`)).status).toBe(200);

    llm = new ScriptedLlm();
    await llm.start(port);
    // Each probe is one request; the cached answer expires after LLM_HEALTH_INTERVAL_MS.
    for (let answer = await fetch(`${t.url}/health/ready`); answer.status !== 200;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await fetch(`${t.url}/health/ready`);
    }
    const up = (await (await fetch(`${t.url}/health/ready`)).json()) as { details: Record<string, unknown> };
    expect(up.details.llm).toMatchObject({ status: 'up', model: 'scripted' });
  });
});
