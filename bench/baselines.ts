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

/** Posts a raw chat-completion body and reads the streamed answer to its end. */
async function replayRequest(url: string, body: string): Promise<void> {
  const response = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body,
  });
  await response.text();
}

/** (b) The raw floor: the server's two LLM requests replayed, and the one MCP call, made directly. */
export class RawFloor {
  private constructor(
    private readonly client: Client,
    private readonly llmUrl: string,
  ) {}

  static async start(llmUrl: string): Promise<RawFloor> {
    const client = new Client({ name: 'bench-raw', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ ...everythingServer(), stderr: 'ignore' }));
    return new RawFloor(client, llmUrl);
  }

  /**
   * A tool turn's floor: the two requests the server sent for it (recorded by the scripted LLM),
   * each read to its end, and between them the one `tools/call` of echo through the MCP SDK's client.
   */
  async replay([first, second]: string[]): Promise<void> {
    await replayRequest(this.llmUrl, first);
    await this.client.callTool({ name: 'echo', arguments: { message: 'bench' } });
    await replayRequest(this.llmUrl, second);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
