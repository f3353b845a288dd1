import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import type { BaseMessage } from '@langchain/core/messages';

import type { ChatMessage } from '../contract/session-record';

// About four characters a token for English and code; a local estimate, no tokenizer download.
const CHARS_PER_TOKEN = 4;
const MESSAGE_OVERHEAD_TOKENS = 4;

export function approxTokens(message: ChatMessage): number {
  let chars = message.content.length;
  for (const attachment of message.attachments ?? []) {
    chars += attachment.text.length;
  }
  for (const call of message.tool_calls ?? []) {
    chars += call.name.length + JSON.stringify(call.arguments).length;
  }
  return Math.ceil(chars / CHARS_PER_TOKEN) + MESSAGE_OVERHEAD_TOKENS;
}

/**
 * Keeps the newest messages that fit the budget. An assistant message that calls tools and the
 * tool results answering it are dropped or kept together, so no call is parted from its result.
 */
export function trimHistory(messages: readonly ChatMessage[], budget: number): readonly ChatMessage[] {
  let total = 0;
  for (const message of messages) {
    total += approxTokens(message);
  }
  if (total <= budget) {
    return messages;
  }
  let start = 0;
  while (start < messages.length && total > budget) {
    let end = start + 1;
    if (messages[start].tool_calls?.length) {
      while (end < messages.length && messages[end].role === 'tool') {
        end++;
      }
    }
    for (let i = start; i < end; i++) {
      total -= approxTokens(messages[i]);
    }
    start = end;
  }
  // A tool result whose call was dropped would be rejected by the provider.
  while (start < messages.length && messages[start].role === 'tool') {
    start++;
  }
  return messages.slice(start);
}

/**
 * The stretch of the newest messages a turn starts from, cut at a turn boundary: it begins with a
 * user message, or (when one turn is longer than the stretch) with its oldest message that is not a
 * tool result, so no result is parted from its call. `first` moves with the cut.
 */
export function fromTurnBoundary(
  messages: readonly ChatMessage[],
  first: number,
): { messages: readonly ChatMessage[]; first: number } {
  if (first === 0) {
    return { messages, first };
  }
  let start = messages.findIndex((message) => message.role === 'user');
  if (start < 0) {
    start = messages.findIndex((message) => message.role !== 'tool');
  }
  start = start < 0 ? messages.length : start;
  return { messages: messages.slice(start), first: first + start };
}

/**
 * What the model sees of a stretch of history that starts at index `first`: not the turns that
 * did not complete (kept for people, never answered), nor the turns a later one regenerated or
 * edited (`replaces`).
 */
export function visibleToModel(messages: readonly ChatMessage[], first: number): ChatMessage[] {
  const visible: ChatMessage[] = [];
  // From the end: a message at or after a `replaces` index, and before the message saying so, is gone.
  let hiddenFrom = Number.POSITIVE_INFINITY;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    // A replaced turn's own replacement still holds: regenerating a regenerated turn hides both.
    const replaces = message.replaces ?? Number.POSITIVE_INFINITY;
    if (first + i < hiddenFrom && message.incomplete === undefined) {
      visible.push(message);
    }
    hiddenFrom = Math.min(hiddenFrom, replaces);
  }
  return visible.reverse();
}

/** The index in the history of the last turn's user message, if it is among these. */
export function lastTurnStart(messages: readonly ChatMessage[], first: number): number | undefined {
  const index = messages.findLastIndex((message) => message.role === 'user');
  return index < 0 ? undefined : first + index;
}

const attribute = (value: string): string => value.replaceAll('&', '&amp;').replaceAll('"', '&quot;');

/** The user's words, then each attached resource, marked as such. */
function userText(message: ChatMessage): string {
  const attached = (message.attachments ?? []).map(
    ({ server, uri, note, text }) =>
      `<attachment server="${attribute(server)}" uri="${attribute(uri)}"${note ? ` note="${attribute(note)}"` : ''}>\n` +
      `${text}\n</attachment>`,
  );
  return [message.content, ...attached].join('\n\n');
}

export function toLangChain(message: ChatMessage): BaseMessage {
  switch (message.role) {
    case 'user':
      return new HumanMessage(userText(message));
    case 'assistant':
      return new AIMessage({
        content: message.content,
        tool_calls: (message.tool_calls ?? []).map((call) => ({
          id: call.id,
          name: call.name,
          args: call.arguments,
          type: 'tool_call' as const,
        })),
      });
    case 'tool':
      return new ToolMessage({
        content: message.content,
        tool_call_id: message.tool_call_id ?? '',
        name: message.name,
        status: message.is_error ? 'error' : 'success',
      });
  }
}
