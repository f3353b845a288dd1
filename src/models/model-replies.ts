import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessageChunk } from '@langchain/core/messages';
import type { AIMessage, BaseMessage } from '@langchain/core/messages';

/** OpenAI-style function definitions, which every client here takes as its tools. */
export interface ToolDefinitions {
  tools?: Array<{
    type: 'function';
    function: { name: string; description: string; parameters: Record<string, unknown> };
  }>;
}

/** What one streamed reply tells as it arrives: every chunk (the idle timer), and each piece of text. */
export interface ReplyListener {
  chunk(): void;
  text(delta: string): void;
}

/**
 * The model seam of the agent loop: one streamed reply to a prompt, as one LangChain message at the
 * end (its text, tool calls, usage and reasoning). LangChain's chat models are one implementation;
 * the lean OpenAI client (openai-replies.ts) is the other, for OpenAI-compatible endpoints.
 */
export interface ModelReplies {
  reply(
    prompt: BaseMessage[],
    options: ToolDefinitions & { signal: AbortSignal },
    listener: ReplyListener,
  ): Promise<AIMessage>;
}

/** Any LangChain chat model: its stream, each chunk concatenated onto the reply. */
export class LangChainReplies implements ModelReplies {
  constructor(private readonly model: BaseChatModel) {}

  async reply(
    prompt: BaseMessage[],
    options: ToolDefinitions & { signal: AbortSignal },
    listener: ReplyListener,
  ): Promise<AIMessage> {
    let reply: AIMessageChunk | undefined;
    for await (const chunk of await this.model.stream(prompt, options)) {
      listener.chunk();
      const delta = typeof chunk.content === 'string' ? chunk.content : chunk.text;
      if (delta) {
        listener.text(delta);
      }
      reply = reply ? reply.concat(chunk) : chunk;
    }
    return reply ?? new AIMessageChunk('');
  }
}
