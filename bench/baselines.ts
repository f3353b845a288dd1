import { MemorySaver } from '@langchain/langgraph';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import { ChatOpenAI } from '@langchain/openai';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createAgent } from 'langchain';

import { everythingServer } from '../test/fixtures/mcp-servers';

/**
 * (a) The bare loop: LangChain's createAgent with ChatOpenAI on the same endpoint and the same MCP
 * server through @langchain/mcp-adapters, in this process, with a checkpointed thread per session.
 */
export class BareLoop {
  private constructor(
    private readonly mcp: MultiServerMCPClient,
    private readonly agent: ReturnType<typeof createAgent>,
  ) {}

  static async start(llmUrl: string): Promise<BareLoop> {
    const { command, args } = everythingServer();
    const mcp = new MultiServerMCPClient({ mcpServers: { everything: { transport: 'stdio', command, args } } });
    const tools = await mcp.getTools();
    // The same client settings as the server's (src/react/llm.factory.ts).
    const model = new ChatOpenAI({
      model: 'scripted',
      apiKey: 'bench',
      configuration: { baseURL: llmUrl },
      streaming: true,
      streamUsage: true,
      maxRetries: 1,
    });
    return new BareLoop(mcp, createAgent({ model, tools, checkpointer: new MemorySaver() }));
  }

  /** One turn, its tokens streamed (streamMode "messages") as a client of the loop would read them. */
  async turn(threadId: string, content: string): Promise<void> {
    const stream = await this.agent.stream(
      { messages: [{ role: 'user', content }] },
      { configurable: { thread_id: threadId }, streamMode: 'messages' },
    );
    for await (const chunk of stream) {
      void chunk;
    }
  }

  async close(): Promise<void> {
    await this.mcp.close();
  }
}

interface ToolCallDelta {
  index: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

/** Reads a streamed chat completion to its end; returns the text and the tool calls it carried. */
async function streamCompletion(url: string, body: object) {
  const response = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body: JSON.stringify({ model: 'scripted', stream: true, stream_options: { include_usage: true }, ...body }),
  });
  const raw = await response.text();
  let text = '';
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  for (const line of raw.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') {
      continue;
    }
    const chunk = JSON.parse(line.slice(6)) as {
      choices: Array<{ delta: { content?: string; tool_calls?: ToolCallDelta[] } }>;
    };
    const delta = chunk.choices[0]?.delta;
    text += delta?.content ?? '';
    for (const call of delta?.tool_calls ?? []) {
      calls[call.index] ??= { id: call.id ?? '', name: '', arguments: '' };
      calls[call.index].name += call.function?.name ?? '';
      calls[call.index].arguments += call.function?.arguments ?? '';
    }
  }
  return { text, calls };
}

/** (b) The raw floor: the same two LLM requests and the one MCP call, made directly. */
export class RawFloor {
  private constructor(
    private readonly client: Client,
    private readonly llmUrl: string,
    private readonly tools: object[],
  ) {}

  static async start(llmUrl: string): Promise<RawFloor> {
    const client = new Client({ name: 'bench-raw', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ ...everythingServer(), stderr: 'ignore' }));
    const { tools } = await client.listTools();
    const openAiTools = tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, description: tool.description ?? '', parameters: tool.inputSchema },
    }));
    return new RawFloor(client, llmUrl, openAiTools);
  }

  async turn(content: string): Promise<void> {
    const messages: object[] = [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content },
    ];
    const first = await streamCompletion(this.llmUrl, { messages, tools: this.tools });
    const results = await Promise.all(
      first.calls.map(async (call) => {
        const result = await this.client.callTool({
          name: call.name,
          arguments: JSON.parse(call.arguments) as Record<string, unknown>,
        });
        const text = (result.content as Array<{ text?: string }>).map((block) => block.text ?? '').join('\n');
        return { role: 'tool', tool_call_id: call.id, content: text };
      }),
    );
    messages.push(
      {
        role: 'assistant',
        content: first.text,
        tool_calls: first.calls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        })),
      },
      ...results,
    );
    await streamCompletion(this.llmUrl, { messages, tools: this.tools });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
