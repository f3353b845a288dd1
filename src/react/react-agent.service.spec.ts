import { ScriptedLlm } from '../../test/fixtures/scripted-llm';
import { validateEnvironment } from '../config/validate-environment';
import type { ToolChoice } from '../contract/events';
import type { McpTool, ToolResult } from '../mcp/client/mcp-tool';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { createModelRegistry } from '../models/model-registry';
import type { ChatModel } from '../models/model-registry';
import type { AgentTurn, TurnEventType } from './agent-turn';
import { EARLIER_LEFT_OUT, ReactAgentService } from './react-agent.service';
import { LlmMetrics } from './react.metrics';
import { ToolStep } from './tool-step';

const echoTool: McpTool = {
  name: 'echo',
  server: 'local',
  tool: 'echo',
  description: 'Echoes',
  input_schema: { type: 'object', properties: { message: { type: 'string' } } },
  needs_approval: false,
};

// The same behaviour on both model clients: the lean OpenAI client and LangChain's ChatOpenAI.
describe.each(['lean', 'langchain'] as const)(`${ReactAgentService.name}, LLM_CLIENT=%s`, (client) => {
  let llm: ScriptedLlm;
  let baseUrl: string;
  let agent: ReactAgentService;
  let model: ChatModel;
  let events: Array<{ type: TurnEventType; data: unknown }>;

  const realFetch = globalThis.fetch;
  const fetched: string[] = [];

  beforeAll(async () => {
    // Every request the LLM client (or anything it loads, like a tokenizer table) makes goes through here.
    globalThis.fetch = (input, init) => {
      fetched.push(input instanceof Request ? input.url : String(input));
      return realFetch(input, init);
    };
    llm = new ScriptedLlm();
    baseUrl = await llm.start();
  });

  afterAll(async () => {
    globalThis.fetch = realFetch;
    await llm.stop();
  });

  beforeEach(() => {
    const config = validateEnvironment({
      LLM_MODEL: 'openai:scripted',
      LLM_CLIENT: client,
      OPENAI_BASE_URL: baseUrl,
      LLM_MAX_RETRIES: '0',
      REACT_MAX_ITERATIONS: '3',
      LLM_TIMEOUT_MS: '300',
      TOOL_RESULT_MAX_CHARS: '100',
    });
    model = createModelRegistry(config).get('scripted')!;
    agent = new ReactAgentService(
      config,
      new LlmMetrics(new MetricsRegistry()),
      new ToolStep(config),
    );
    events = [];
  });

  const turn = (
    message: string,
    callTool = async (choice: ToolChoice): Promise<ToolResult> => ({
      content: `Echo: ${String(choice.arguments.message)}`,
      is_error: false,
    }),
    signal = new AbortController().signal,
  ): AgentTurn => ({
    sessionId: 's',
    turnId: 't',
    model,
    usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
    history: [],
    message: { role: 'user', content: message },
    tools: [echoTool],
    callTool,
    signal,
    emit: (type, data) => events.push({ type, data }),
  });

  it('should answer directly when the model calls no tool', async () => {
    const result = await agent.run(turn('hello'));
    expect(result).toMatchObject({ content: 'Echo: hello', iterations: 1, max_iterations_reached: false });
    expect(result.usage.total_tokens).toBeGreaterThan(0);
    expect(result.messages).toEqual([
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: 'Echo: hello', model: 'scripted' },
    ]);
    expect(events.every((e) => e.type === 'partial_response')).toBe(true);
  });

  it('should say in one line of the system prompt that earlier messages were left out, only when they were', async () => {
    const history = [
      { role: 'user' as const, content: 'earlier' },
      { role: 'assistant' as const, content: 'Echo: earlier' },
    ];
    await agent.run({ ...turn('whole'), history });
    await agent.run({ ...turn('cut'), history, earlierLeftOut: true });
    const [whole, cut] = llm.requests.slice(-2).map((request) => request.messages);
    expect(whole.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(JSON.stringify(whole[0].content)).not.toContain(EARLIER_LEFT_OUT);
    expect(cut.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(JSON.stringify(cut[0].content)).toContain(EARLIER_LEFT_OUT);
  });

  it('should run the tool, observe it and answer, adding the calls to the history', async () => {
    const result = await agent.run(turn('[[tool:echo {"message":"m"}]]'));
    expect(result.content).toBe('Observed: Echo: m');
    expect(result.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(events.filter((e) => e.type !== 'partial_response').map((e) => e.type)).toEqual([
      'thinking',
      'acting',
      'tool_call',
      'tool_call',
      'observing',
    ]);
  });

  it('should send exactly two streamed requests for a tool turn, asking for usage, and count it', async () => {
    const before = llm.requests.length;
    const result = await agent.run(turn('[[tool:echo {"message":"m"}]]'));
    const sent = llm.requests.slice(before);
    expect(sent.map((request) => [request.stream, request.stream_options?.include_usage])).toEqual([
      [true, true],
      [true, true],
    ]);
    expect(sent[1].messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    // 10 prompt tokens a message, a completion token a word or call (test/fixtures/scripted-llm.ts).
    expect(result.usage).toEqual({ input_tokens: 60, output_tokens: 4, total_tokens: 64 });
  });

  it('should run parallel calls, each assembled from its split argument deltas', async () => {
    const seen: unknown[] = [];
    const result = await agent.run(
      turn(
        '[[tool:echo {"message":"first, with \\"quotes\\""}]] [[tool:echo {"message":"second"}]]',
        async (choice) => {
          seen.push(choice.arguments);
          return { content: `Echo: ${String(choice.arguments.message)}`, is_error: false };
        },
      ),
    );
    expect(seen).toEqual([{ message: 'first, with "quotes"' }, { message: 'second' }]);
    expect(result.content).toBe('Observed: Echo: first, with "quotes" | Echo: second');
  });

  it('should stream the text exactly as the model sent it, delta by delta', async () => {
    const result = await agent.run(turn('several words to stream'));
    const deltas = events.filter((e) => e.type === 'partial_response').map((e) => (e.data as { delta: string }).delta);
    expect(deltas.join('')).toBe('Echo: several words to stream');
    expect(result.content).toBe('Echo: several words to stream');
  });

  it('should answer a call whose arguments are not JSON with an error, calling nothing', async () => {
    const callTool = jest.fn();
    const result = await agent.run(turn('[[tool:echo {not json}]]', callTool));
    expect(callTool).not.toHaveBeenCalled();
    expect(result.messages.find((m) => m.role === 'tool')?.content).toBe(
      'Error: the arguments were not valid JSON: {not json}',
    );
  });

  it("should pass the provider's reasoning on in the thinking event", async () => {
    await agent.run(turn('[[reason:I should echo]] [[tool:echo {"message":"m"}]]'));
    expect(events.find((e) => e.type === 'thinking')?.data).toEqual({
      iteration: 1,
      content: '',
      reasoning: 'I should echo',
    });
  });

  it('should turn a tool that throws into an observed error', async () => {
    const result = await agent.run(
      turn('[[tool:echo {"message":"m"}]]', async () => ({ content: 'Error: boom', is_error: true })),
    );
    expect(result.content).toBe('Observed: Error: boom');
    expect(
      events.find((e) => e.type === 'tool_call' && (e.data as { status: string }).status === 'failed'),
    ).toBeDefined();
  });

  it('should refuse a tool the turn did not offer with TOOL_NOT_AVAILABLE, calling nothing, and go on', async () => {
    const callTool = jest.fn();
    const result = await agent.run({ ...turn('[[tool:delete_everything {}]]', callTool), tools: [echoTool] });
    expect(callTool).not.toHaveBeenCalled();
    const ended = events.filter((e) => e.type === 'tool_call').map((e) => e.data);
    expect(ended).toEqual([
      expect.objectContaining({
        tool: 'delete_everything',
        server: 'unknown',
        status: 'failed',
        code: 'TOOL_NOT_AVAILABLE',
        error: expect.stringMatching(/^TOOL_NOT_AVAILABLE: no tool "delete_everything" is offered in this turn/),
      }),
    ]);
    expect(result.messages.find((m) => m.role === 'tool')).toMatchObject({
      is_error: true,
      content: expect.stringMatching(/^TOOL_NOT_AVAILABLE:/),
    });
    expect(result.content).toMatch(/^Observed: TOOL_NOT_AVAILABLE:/);
  });

  it('should cut a tool result longer than TOOL_RESULT_MAX_CHARS and say so', async () => {
    const result = await agent.run(
      turn('[[tool:echo {"message":"m"}]]', async () => ({ content: 'x'.repeat(250), is_error: false })),
    );
    const observed = result.messages.find((m) => m.role === 'tool')?.content;
    expect(observed).toBe(`${'x'.repeat(100)}\n[truncated: 150 more characters (TOOL_RESULT_MAX_CHARS)]`);
  });

  it('should stop at REACT_MAX_ITERATIONS', async () => {
    const result = await agent.run(turn('[[loop:echo {"message":"m"}]]'));
    expect(result).toMatchObject({ iterations: 3, max_iterations_reached: true });
    expect(events.filter((e) => e.type === 'acting')).toHaveLength(3);
  });

  it('should fail with LLM_TIMEOUT when the model sends nothing', async () => {
    await expect(agent.run(turn('[[hang]]'))).rejects.toMatchObject({ code: 'LLM_TIMEOUT' });
  });

  it('should fail with LLM_ERROR naming the status when the model answers 500', async () => {
    await expect(agent.run(turn('[[status:500]]'))).rejects.toMatchObject({
      code: 'LLM_ERROR',
      message: expect.stringMatching(/500/),
    });
  });

  it('should retry a failed request LLM_MAX_RETRIES times before any token, then fail with LLM_ERROR', async () => {
    const config = validateEnvironment({
      LLM_MODEL: 'openai:scripted',
      LLM_CLIENT: client,
      OPENAI_BASE_URL: baseUrl,
      LLM_MAX_RETRIES: '2',
    });
    const retrying = new ReactAgentService(
      config,
      new LlmMetrics(new MetricsRegistry()),
      new ToolStep(config),
    );
    const retried = createModelRegistry(config).get('scripted')!;
    const before = llm.requests.length;
    await expect(retrying.run({ ...turn('[[status:503]]'), model: retried })).rejects.toMatchObject({
      code: 'LLM_ERROR',
      message: expect.stringMatching(/503/),
    });
    expect(llm.requests.length - before).toBe(3);
    // A 4xx other than 408, 409 and 429 is the request's fault: it is not retried.
    const again = llm.requests.length;
    await expect(retrying.run({ ...turn('[[status:400]]'), model: retried })).rejects.toMatchObject({
      code: 'LLM_ERROR',
      message: expect.stringMatching(/400/),
    });
    expect(llm.requests.length - again).toBe(1);
  });

  it('should fail with TURN_CANCELLED when the turn is aborted mid-stream', async () => {
    const controller = new AbortController();
    const running = agent.run(turn('[[hold:agent-cancel]]', undefined, controller.signal));
    await llm.held('agent-cancel');
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'TURN_CANCELLED' });
    llm.release('agent-cancel');
  });

  it('should fetch nothing but the configured endpoint: usage comes from the stream, no tokenizer download', async () => {
    fetched.length = 0;
    await agent.run(turn('[[tool:echo {"message":"m"}]]'));
    await agent.run({ ...turn('[[recall]]'), history: [{ role: 'user', content: 'x'.repeat(200_000) }] });
    expect(fetched.length).toBeGreaterThanOrEqual(3);
    expect(fetched.filter((url) => !url.startsWith(baseUrl))).toEqual([]);
  });

});
