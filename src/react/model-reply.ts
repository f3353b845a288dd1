import type { AIMessage } from '@langchain/core/messages';
import { randomUUID } from 'node:crypto';

import type { ChatMessage, StoredToolCall } from '../contract/session-record';

/** Where a tool call whose arguments were not valid JSON keeps the raw text. */
export const INVALID_ARGUMENTS = '_invalid_arguments';

/** Reasoning text, for providers that stream it beside the answer (e.g. `reasoning_content`). */
export function reasoningOf(reply: AIMessage): string | undefined {
  const reasoning = reply.additional_kwargs?.reasoning_content;
  return typeof reasoning === 'string' && reasoning !== '' ? reasoning : undefined;
}

/** The reply as history keeps it; calls with unparseable arguments are kept, answered with an error. */
export function toStored(reply: AIMessage): ChatMessage {
  const content = typeof reply.content === 'string' ? reply.content : reply.text;
  const calls: StoredToolCall[] = [
    ...(reply.tool_calls ?? []).map((call) => ({ id: call.id ?? '', name: call.name, arguments: call.args })),
    ...(reply.invalid_tool_calls ?? []).map((call) => ({
      id: call.id ?? '',
      name: call.name ?? 'unknown',
      arguments: { [INVALID_ARGUMENTS]: call.args ?? '' },
    })),
  ].map((call) => ({ ...call, id: call.id || `call_${randomUUID()}` }));
  return calls.length > 0 ? { role: 'assistant', content, tool_calls: calls } : { role: 'assistant', content };
}
