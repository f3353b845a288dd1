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

/**
 * Any LangChain chat model: its stream, each chunk concatenated onto the reply. `output: 'final'`:
 * the provider sends its whole output count again at the end (Anthropic's message_delta after the
 * first token's count in message_start), so the reply's output tokens are that count, as the
 * provider counted them, not LangChain's sum of the two.
 */
export class LangChainReplies implements ModelReplies {
  constructor(
    private readonly model: BaseChatModel,
    private readonly output: 'summed' | 'final' = 'summed',
  ) {}

  async reply(
    prompt: BaseMessage[],
    options: ToolDefinitions & { signal: AbortSignal },
    listener: ReplyListener,
  ): Promise<AIMessage> {
    let reply: AIMessageChunk | undefined;
    let finalOutput: number | undefined;
    for await (const chunk of await this.model.stream(prompt, options)) {
      listener.chunk();
      if (this.output === 'final' && chunk.usage_metadata && 'stop_reason' in chunk.additional_kwargs) {
        finalOutput = chunk.usage_metadata.output_tokens;
      }
      const delta = typeof chunk.content === 'string' ? chunk.content : chunk.text;
      if (delta) {
        listener.text(delta);
      }
      reply = reply ? reply.concat(chunk) : chunk;
    }
    if (reply?.usage_metadata && finalOutput !== undefined) {
      const input = reply.usage_metadata.input_tokens;
      reply.usage_metadata = { ...reply.usage_metadata, output_tokens: finalOutput, total_tokens: input + finalOutput };
    }
    return reply ?? new AIMessageChunk('');
  }
}
