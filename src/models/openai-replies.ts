import { AIMessage } from '@langchain/core/messages';
import type { BaseMessage, InvalidToolCall, ToolCall } from '@langchain/core/messages';
import OpenAI from 'openai';

import type { ModelReplies, ReplyListener, ToolDefinitions } from './model-replies';

type MessageParam = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type ContentPart = OpenAI.Chat.Completions.ChatCompletionContentPart;

interface CallParts {
  id: string;
  name: string;
  args: string;
}

/** LangChain message content as OpenAI takes it: text, or text and image_url parts (the same shape). */
function contentOf(message: BaseMessage): string | ContentPart[] {
  if (typeof message.content === 'string') {
    return message.content;
  }
  return message.content.flatMap((part): ContentPart[] => {
    if (part.type === 'text' && typeof part.text === 'string') {
      return [{ type: 'text', text: part.text }];
    }
    if (part.type === 'image_url') {
      const image = part.image_url as string | { url: string };
      return [{ type: 'image_url', image_url: { url: typeof image === 'string' ? image : image.url } }];
    }
    return [];
  });
}

/** The prompt as the chat completions API takes it. */
export function toOpenAiMessages(prompt: readonly BaseMessage[]): MessageParam[] {
  return prompt.map((message): MessageParam => {
    switch (message.getType()) {
      case 'system':
        return { role: 'system', content: message.text };
      case 'ai': {
        const calls = (message as AIMessage).tool_calls ?? [];
        return calls.length === 0
          ? { role: 'assistant', content: message.text }
          : {
              role: 'assistant',
              content: message.text,
              tool_calls: calls.map((call) => ({
                id: call.id ?? '',
                type: 'function' as const,
                function: { name: call.name, arguments: JSON.stringify(call.args) },
              })),
            };
      }
      case 'tool':
        return {
          role: 'tool',
          tool_call_id: (message as BaseMessage & { tool_call_id: string }).tool_call_id,
          content: message.text,
        };
      case 'human':
      default:
        return { role: 'user', content: contentOf(message) };
    }
  });
}

/** Tool calls assembled by index: arguments that are not a JSON object are kept as an invalid call. */
function assembled(parts: CallParts[]): { valid: ToolCall[]; invalid: InvalidToolCall[] } {
  const valid: ToolCall[] = [];
  const invalid: InvalidToolCall[] = [];
  for (const call of parts.filter(Boolean)) {
    try {
      const args: unknown = JSON.parse(call.args === '' ? '{}' : call.args);
      if (typeof args !== 'object' || args === null || Array.isArray(args)) {
        throw new Error('not an object');
      }
      valid.push({ id: call.id, name: call.name, args: args as Record<string, unknown>, type: 'tool_call' });
    } catch {
      invalid.push({
        id: call.id,
        name: call.name,
        args: call.args,
        error: 'arguments are not a JSON object',
        type: 'invalid_tool_call',
      });
    }
  }
  return { valid, invalid };
}

/**
 * A lean client for OpenAI-compatible chat completions: the official SDK's stream, read chunk by
 * chunk into plain strings (text, reasoning, each tool call's arguments by index), and one LangChain
 * message built at the end. LangChain's ChatOpenAI builds and concatenates a message per chunk and
 * runs its callback machinery per request, which cost more per tool turn than the rest of the
 * server's work (BENCHMARKS.md); LLM_CLIENT=langchain keeps it.
 */
export class OpenAiReplies implements ModelReplies {
  private readonly client: OpenAI;

  constructor(
    private readonly model: string,
    options: { apiKey: string; baseURL?: string; maxRetries: number },
  ) {
    // The idle timeout is the agent's (LLM_TIMEOUT_MS, refreshed per chunk); retries are the SDK's.
    this.client = new OpenAI({ ...options, timeout: 24 * 60 * 60 * 1000 });
  }

  async reply(
    prompt: BaseMessage[],
    options: ToolDefinitions & { signal: AbortSignal },
    listener: ReplyListener,
  ): Promise<AIMessage> {
    const stream = await this.client.chat.completions.create(
      {
        model: this.model,
        messages: toOpenAiMessages(prompt),
        ...(options.tools ? { tools: options.tools } : {}),
        stream: true,
        stream_options: { include_usage: true },
      },
      { signal: options.signal },
    );
    let text = '';
    let reasoning = '';
    const calls: CallParts[] = [];
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      listener.chunk();
      usage = chunk.usage ?? usage;
      const delta = chunk.choices[0]?.delta as
        (OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string }) | undefined;
      if (!delta) {
        continue;
      }
      if (delta.content) {
        text += delta.content;
        listener.text(delta.content);
      }
      if (delta.reasoning_content) {
        reasoning += delta.reasoning_content;
      }
      for (const call of delta.tool_calls ?? []) {
        const part = (calls[call.index] ??= { id: '', name: '', args: '' });
        part.id ||= call.id ?? '';
        part.name += call.function?.name ?? '';
        part.args += call.function?.arguments ?? '';
      }
    }
    // The SDK ends a stream it was told to abort as if it had finished.
    options.signal.throwIfAborted();
    const { valid, invalid } = assembled(calls);
    // An AIMessage: a chunk would drop the invalid calls, which it derives from its call chunks.
    return new AIMessage({
      content: text,
      tool_calls: valid,
      invalid_tool_calls: invalid,
      additional_kwargs: reasoning ? { reasoning_content: reasoning } : {},
      ...(usage
        ? {
            usage_metadata: {
              input_tokens: usage.prompt_tokens,
              output_tokens: usage.completion_tokens,
              total_tokens: usage.total_tokens,
            },
          }
        : {}),
    });
  }
}
