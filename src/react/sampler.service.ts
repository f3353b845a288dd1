import { Inject, Injectable } from '@nestjs/common';
import { AIMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import type { BaseMessage } from '@langchain/core/messages';
import type { CreateMessageRequest, SamplingMessage } from '@modelcontextprotocol/client';

import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { CHAT_MODEL } from './llm.factory';
import type { ChatModelRef } from './llm.factory';
import { ReactAgentService } from './react-agent.service';

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

/** Answers an MCP server's sampling/createMessage with the session's model, without tools. */
@Injectable()
export class SamplerService {
  constructor(
    @Inject(CHAT_MODEL) private readonly llm: ChatModelRef,
    private readonly agent: ReactAgentService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  async complete(params: CreateMessageRequest['params'], signal: AbortSignal): Promise<SampledMessage> {
    const model = this.agent.assertConfigured();
    const messages: BaseMessage[] = [
      ...(params.systemPrompt ? [new SystemMessage(params.systemPrompt)] : []),
      ...params.messages.map((message) =>
        message.role === 'user' ? new HumanMessage(samplingText(message)) : new AIMessage(samplingText(message)),
      ),
    ];
    // Streamed, as the agent does: the non-streaming path counts tokens with a tokenizer it downloads.
    let content = '';
    const stream = await model.stream(messages, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.LLM_TIMEOUT_MS)]),
    });
    for await (const chunk of stream) {
      content += chunk.text;
    }
    return { content, model: this.llm.name ?? 'unknown' };
  }
}
