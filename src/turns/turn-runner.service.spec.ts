import { storedRecord } from '../../test/helpers/session-store-backends';
import type { ArtifactsService } from '../artifacts/artifacts.service';
import type { ViewsService } from '../artifacts/views.service';
import { AppException } from '../common/errors';
import { validateEnvironment } from '../config/validate-environment';
import { ErrorCode } from '../contract/error-code';
import type { StreamEvent } from '../contract/events';
import type { SessionRecord } from '../contract/session-record';
import { SessionStatus } from '../contract/session-status';
import type { McpTool, ToolResult } from '../mcp/client/mcp-tool';
import type { McpSessionClients } from '../mcp/mcp-session-clients';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { createModelRegistry, ModelRegistry } from '../models/model-registry';
import type { AgentResult, AgentTurn } from '../react/agent-turn';
import type { ReactAgentService } from '../react/react-agent.service';
import { MemorySessionEventLog } from '../session-store/event-log/memory-session-event-log';
import { MemorySessionStore } from '../session-store/memory-session.store';
import type { StartedTurn } from '../session-store/session-store';
import { MemoryUsageStore } from '../usage/memory-usage.store';
import { QuotaService } from '../usage/quota.service';
import { utcDay } from '../usage/usage-store';
import { UsageService } from '../usage/usage.service';
import { SessionEventPublisher } from './session-event-publisher';
import { SessionRuntime } from './session-runtime';
import type { ToolApprovals } from './tool-approvals';
import { TurnRunner } from './turn-runner.service';
import { TurnMetrics } from './turns.metrics';

const mcpTool = (server: string, tool: string, needsApproval = false): McpTool => ({
  name: tool,
  server,
  tool,
  description: '',
  input_schema: { type: 'object' },
  needs_approval: needsApproval,
});

/** The session's MCP clients as a turn uses them: ready or not, tools, calls. */
class FakeClients {
  ready = true;
  startFailures: Array<{ server: string; code: ErrorCode; message: string }> = [];
  readonly toolList = [mcpTool('everything', 'echo'), mcpTool('files', 'write', true)];
  readonly called: string[] = [];

  ensureStarted() {
    this.ready = true;
    return Promise.resolve(this.startFailures);
  }

  tools() {
    return this.toolList;
  }

  tool(name: string) {
    return this.toolList.find((tool) => tool.name === name);
  }

  needsApproval(name: string) {
    return this.tool(name)?.needs_approval === true;
  }

  call(name: string): Promise<ToolResult> {
    this.called.push(name);
    return Promise.resolve({ content: `${name} ran`, is_error: false });
  }
}

/** What the agent answers: `content`, after `iterations`, adding `messages` to the history. */
const answer = (content: string, messages: AgentResult['messages'], iterations = 1): AgentResult => ({
  content,
  iterations,
  usage: { input_tokens: 3, output_tokens: 1, total_tokens: 4 },
  max_iterations_reached: false,
  messages,
});

/** The agent without a model: what it does with the turn is the test's. */
class FakeAgent {
  turn?: AgentTurn;
  act: (turn: AgentTurn) => Promise<AgentResult> = (turn) =>
    Promise.resolve(answer('Hello', [turn.message, { role: 'assistant', content: 'Hello' }]));

  async run(turn: AgentTurn): Promise<AgentResult> {
    this.turn = turn;
    const result = await this.act(turn);
    // As the agent counts each reply into the turn's usage.
    turn.usage.input_tokens += result.usage.input_tokens;
    turn.usage.output_tokens += result.usage.output_tokens;
    turn.usage.total_tokens += result.usage.total_tokens;
    return result;
  }
}

const session: SessionRecord = storedRecord('s1');

describe(TurnRunner.name, () => {
  let store: MemorySessionStore;
  let events: MemorySessionEventLog;
  let seen: StreamEvent[];
  let agent: FakeAgent;
  let clients: FakeClients;
  let gated: string[];
  let runtime: SessionRuntime;
  let runner: TurnRunner;
  let build: (models: ModelRegistry) => TurnRunner;
  let usageStore: MemoryUsageStore;

  /** Queues the message and makes it the running turn, as the worker does before it runs a turn. */
  const started = async (content: string, disabled: string[] = []): Promise<StartedTurn> => {
    if (disabled.length > 0) {
      await store.change('s1', { disabled_tools: disabled });
    }
    const sender = { node: 'node-a', idle: false, historyLimit: 100 };
    await store.enqueue('s1', 'alice', { turn_id: `t-${content}`, content }, 10, Date.now(), sender);
    const next = await store.startNext('s1', 'node-a', 100);
    if (next.state !== 'started') {
      throw new Error(`no turn started: ${next.state}`);
    }
    return next;
  };

  const typesOf = (turnId: string) => seen.filter((event) => event.turn_id === turnId).map((event) => event.type);

  beforeEach(async () => {
    events = new MemorySessionEventLog(100);
    store = new MemorySessionStore(events);
    seen = [];
    agent = new FakeAgent();
    clients = new FakeClients();
    gated = [];
    const approvals = {
      gate: (
        _runtime: SessionRuntime,
        _turn: string,
        choice: { tool: string },
        _signal: AbortSignal,
        call: () => Promise<ToolResult>,
      ) => {
        gated.push(choice.tool);
        return call();
      },
    } as unknown as ToolApprovals;
    const artifacts = {
      keep: (_session: unknown, result: ToolResult) => Promise.resolve(result),
    } as unknown as ArtifactsService;
    const config = validateEnvironment({
      NODE_ID: 'node-a',
      LLM_MODEL: 'openai:scripted',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      QUOTA_OVERRIDES: 'carol:100',
    });
    usageStore = new MemoryUsageStore(86_400_000);
    const quotas = new QuotaService(usageStore, config);
    build = (models) =>
      new TurnRunner(
        store,
        new SessionEventPublisher(events, store, config),
        agent as unknown as ReactAgentService,
        approvals,
        new TurnMetrics(new MetricsRegistry()),
        artifacts,
        {} as ViewsService,
        models,
        new UsageService(usageStore, quotas),
        quotas,
        config,
      );
    runner = build(createModelRegistry(config));
    await store.create(session, { total: 10 });
    await store.claim('s1', 'node-a', false);
    await events.subscribe('s1', (event) => seen.push(event));
    runtime = new SessionRuntime('s1', 'alice', SessionStatus.IDLE);
    runtime.mcp = clients as unknown as McpSessionClients;
  });

  it('should run the agent on the message, append the turn to the history and end it with final_response', async () => {
    expect(await runner.run(runtime, await started('hi'))).toBe('finished');
    expect(agent.turn).toMatchObject({
      sessionId: 's1',
      turnId: 't-hi',
      message: { role: 'user', content: 'hi' },
      history: [],
    });
    expect(typesOf('t-hi')).toEqual(['status', 'final_response', 'status']);
    expect(seen.find((event) => event.type === 'final_response')?.data).toEqual({
      content: 'Hello',
      iterations: 1,
      usage: { input_tokens: 3, output_tokens: 1, total_tokens: 4 },
      max_iterations_reached: false,
      model: 'scripted',
    });
    expect(agent.turn?.model.id).toBe('scripted');
    expect((await store.messages('s1', 10))?.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello' },
    ]);
    expect(await store.get('s1')).toMatchObject({ status: SessionStatus.READY, turns: 1 });
    expect(runtime.running).toBeUndefined();
  });

  it('should give the agent the history it may see, and leave out the tools the session switched off', async () => {
    await runner.run(runtime, await started('first'));
    await runner.run(runtime, await started('second', ['files']));
    expect(agent.turn?.history).toEqual([
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'Hello' },
    ]);
    expect(agent.turn?.tools.map((tool) => `${tool.server}/${tool.tool}`)).toEqual(['everything/echo']);
  });

  it('should start servers that are not ready (status STARTING), and go on without one that failed', async () => {
    clients.ready = false;
    clients.startFailures = [
      { server: 'files', code: ErrorCode.MCP_SERVER_FAILED, message: 'MCP server "files" failed to start: ENOENT' },
    ];
    expect(await runner.run(runtime, await started('hi'))).toBe('finished');
    expect(typesOf('t-hi')).toEqual(['status', 'error', 'status', 'final_response', 'status']);
    expect(seen.find((event) => event.type === 'error')?.data).toEqual({
      code: ErrorCode.MCP_SERVER_FAILED,
      message: 'MCP server "files" failed to start: ENOENT; continuing without its tools',
      session_usable: true,
      server: 'files',
    });
  });

  it('should run a call the model chose, through the approval gate when its tool needs approval', async () => {
    agent.act = async (turn) => {
      const signal = turn.signal;
      await turn.callTool({ call_id: 'c1', server: 'everything', tool: 'echo', arguments: {} }, { signal });
      await turn.callTool({ call_id: 'c2', server: 'files', tool: 'write', arguments: {} }, { signal });
      return answer('done', [turn.message], 2);
    };
    await runner.run(runtime, await started('act'));
    expect(clients.called).toEqual(['echo', 'write']);
    expect(gated).toEqual(['write']);
  });

  it("should keep a failed turn's words in the history, marked, and end it with an error the session survives", async () => {
    agent.act = () => Promise.reject(new AppException(ErrorCode.LLM_ERROR, 'The model answered 503'));
    expect(await runner.run(runtime, await started('boom'))).toBe('failed');
    expect(seen.find((event) => event.type === 'error')?.data).toEqual({
      code: ErrorCode.LLM_ERROR,
      message: 'The model answered 503',
      session_usable: true,
    });
    expect((await store.messages('s1', 10))?.messages).toEqual([
      { role: 'user', content: 'boom', incomplete: 'failed' },
    ]);
    expect(await store.get('s1')).toMatchObject({ status: SessionStatus.ERROR, turns: 0 });
  });

  it('should end a cancelled turn with TURN_CANCELLED and the session READY', async () => {
    agent.act = (turn) =>
      new Promise((_, reject) => {
        turn.signal.addEventListener('abort', () => reject(new Error('aborted')));
        runtime.running?.controller.abort();
      });
    expect(await runner.run(runtime, await started('stop'))).toBe('failed');
    expect(seen.find((event) => event.type === 'error')?.data).toMatchObject({ code: ErrorCode.TURN_CANCELLED });
    expect((await store.messages('s1', 10))?.messages).toEqual([
      { role: 'user', content: 'stop', incomplete: 'cancelled' },
    ]);
    expect(await store.get('s1')).toMatchObject({ status: SessionStatus.READY });
  });

  it('should refuse a turn when no LLM is configured, before any MCP server starts', async () => {
    runner = build(new ModelRegistry([]));
    clients.ready = false;
    expect(await runner.run(runtime, await started('hi'))).toBe('failed');
    expect(clients.ready).toBe(false);
    expect(seen.find((event) => event.type === 'error')?.data).toMatchObject({ code: ErrorCode.LLM_NOT_CONFIGURED });
  });

  it("should count the turn's tokens for its owner and model, before its final_response", async () => {
    let countedAtAnswer = -1;
    await events.subscribe('s1', (event) => {
      if (event.type === 'final_response') {
        void usageStore.usedOn('alice', utcDay(Date.now())).then((used) => (countedAtAnswer = used));
      }
    });
    expect(await runner.run(runtime, await started('hi'))).toBe('finished');
    const rows = await usageStore.rows([utcDay(Date.now())], 'alice');
    expect(rows).toEqual([expect.objectContaining({ model: 'scripted', input_tokens: 3, output_tokens: 1, turns: 1 })]);
    expect(countedAtAnswer).toBe(4);
  });

  it("should end a queued turn that would start over its owner's quota with QUOTA_EXCEEDED, running nothing", async () => {
    const carol = new SessionRuntime('s1', 'carol', SessionStatus.IDLE);
    carol.mcp = clients as unknown as McpSessionClients;
    await usageStore.record('carol', 'scripted', utcDay(Date.now()), {
      input_tokens: 90,
      output_tokens: 10,
      total_tokens: 100,
    });
    expect(await runner.run(carol, await started('over'))).toBe('failed');
    expect(seen.find((event) => event.type === 'error')?.data).toMatchObject({
      code: ErrorCode.QUOTA_EXCEEDED,
      session_usable: true,
    });
    expect(agent.turn).toBeUndefined();
  });

  it("should end a turn with UNKNOWN_MODEL when the chat's model left the configuration", async () => {
    await store.change('s1', { model: 'gone' });
    expect(await runner.run(runtime, await started('hi'))).toBe('failed');
    expect(seen.find((event) => event.type === 'error')?.data).toMatchObject({
      code: ErrorCode.UNKNOWN_MODEL,
      session_usable: true,
    });
    expect(agent.turn).toBeUndefined();
  });

  it('should report a turn lost when the session moved on under it', async () => {
    const turn = await started('moved');
    agent.act = async (agentTurn) => {
      // Another node took the session over meanwhile: the turn is no longer the session's.
      await store.end('s1');
      return answer('late', [agentTurn.message]);
    };
    expect(await runner.run(runtime, turn)).toBe('lost');
  });
});
