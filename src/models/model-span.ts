import type { AIMessage } from '@langchain/core/messages';

import { inSpan, SpanKind } from '../common/tracing';
import type { ChatModel } from './model-registry';

/**
 * One model request as a `chat {model}` client span (OpenTelemetry's GenAI conventions): the
 * provider, the model as the provider names it, and the tokens it counted. Never the prompt or reply.
 */
export function inChatSpan(model: ChatModel, request: () => Promise<AIMessage>): Promise<AIMessage> {
  const attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': model.provider,
    'gen_ai.request.model': model.model,
    'mcp_host.model': model.id,
  };
  return inSpan(`chat ${model.model}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    const reply = await request();
    const usage = reply.usage_metadata;
    if (usage) {
      span.setAttributes({
        'gen_ai.usage.input_tokens': usage.input_tokens,
        'gen_ai.usage.output_tokens': usage.output_tokens,
      });
    }
    return reply;
  });
}
