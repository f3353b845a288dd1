import { Injectable } from '@nestjs/common';
import { AIMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import type { BaseMessage } from '@langchain/core/messages';
import type { CreateMessageRequest, SamplingMessage } from '@modelcontextprotocol/client';

import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import type { TokenUsage } from '../contract/events';
import type { ChatModel } from '../models/model-registry';
import { inChatSpan } from '../models/model-span';
import { LlmMetrics } from './react.metrics';

export interface SampledMessage {
  content: string;
  model: string;
}

type SamplingBlock = Extract<SamplingMessage['content'], { type: string }>;

function blockText(block: SamplingBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type} ${block.mimeType}]`;
    case 'tool_use':
      return `[tool call ${block.name}]`;
    case 'tool_result':
      return '[tool result]';
  }
}

/** A sampling message as plain text: this host samples text only. */
export function samplingText(message: SamplingMessage): string {
  const blocks = Array.isArray(message.content) ? message.content : [message.content];
  return (blocks as SamplingBlock[]).map(blockText).join('\n');
}

/**
 * Answers an MCP server's sampling/createMessage with the session's model, without tools; its tokens
 * count in the turn's usage.
 */
@Injectable()
export class SamplerService {
  constructor(
    @InjectAppConfig() private readonly config: AppConfig,
    private readonly metrics: LlmMetrics,
  ) {}

  async complete(
    model: ChatModel,
    params: CreateMessageRequest['params'],
    signal: AbortSignal,
    usage: TokenUsage,
  ): Promise<SampledMessage> {
    const messages: BaseMessage[] = [
      ...(params.systemPrompt ? [new SystemMessage(params.systemPrompt)] : []),
      ...params.messages.map((message) =>
        message.role === 'user' ? new HumanMessage(samplingText(message)) : new AIMessage(samplingText(message)),
      ),
    ];
    // Streamed through the model's own client, as the agent is: the usage as the provider counted it.
    const reply = await inChatSpan(model, () =>
      model.replies.reply(
        messages,
        { signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.LLM_TIMEOUT_MS)]) },
        { chunk: () => undefined, text: () => undefined },
      ),
    );
    this.metrics.countTokens(model.id, reply, usage);
    return { content: reply.text, model: model.model };
  }
}
