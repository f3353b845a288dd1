import type { ChatMessage } from '../contract/session-record';

/** What `GET /api/v3/sessions/:id/export?format=json` answers, and `POST /api/v3/sessions/import` takes back. */
export interface SessionExport {
  format: 'mcp-host-session';
  version: 1;
  exported_at: string;
  title: string | null;
  /** Exactly as the history holds them, every field. */
  messages: ChatMessage[];
}

const ROLES = new Set(['user', 'assistant', 'tool']);
const INCOMPLETE = new Set(['cancelled', 'failed', 'interrupted']);

export function toExport(title: string | undefined, messages: ChatMessage[], at: number): SessionExport {
  return {
    format: 'mcp-host-session',
    version: 1,
    exported_at: new Date(at).toISOString(),
    title: title ?? null,
    messages,
  };
}

/**
 * The messages of an export, checked as a history must be: each a known role with text; a tool
 * result answering a call of the assistant message before it; `replaces` pointing back to a user
 * message. Throws naming the first problem (and its index).
 */
export function importedMessages(body: unknown): ChatMessage[] {
  const exported = body as Partial<SessionExport> | null;
  if (exported?.format !== 'mcp-host-session' || exported.version !== 1) {
    throw new Error('format must be "mcp-host-session" and version 1 (what GET /api/v3/sessions/:id/export gives)');
  }
  if (!Array.isArray(exported.messages)) {
    throw new Error('messages must be a list');
  }
  const calls = new Set<string>();
  exported.messages.forEach((message: Partial<ChatMessage>, index) => {
    const where = `messages[${index}]`;
    if (typeof message !== 'object' || message === null || !ROLES.has(message.role as string)) {
      throw new Error(`${where}.role must be user, assistant or tool`);
    }
    if (typeof message.content !== 'string') {
      throw new Error(`${where}.content must be text`);
    }
    if (message.role === 'assistant') {
      calls.clear();
      for (const call of message.tool_calls ?? []) {
        if (typeof call?.id !== 'string' || typeof call.name !== 'string' || typeof call.arguments !== 'object') {
          throw new Error(`${where}.tool_calls: each call needs id, name and arguments`);
        }
        calls.add(call.id);
      }
    } else if (message.role === 'tool') {
      if (typeof message.tool_call_id !== 'string' || !calls.has(message.tool_call_id)) {
        throw new Error(`${where} is a tool result that answers no call of the assistant message before it`);
      }
    } else {
      calls.clear();
      if (message.incomplete !== undefined && !INCOMPLETE.has(message.incomplete)) {
        throw new Error(`${where}.incomplete must be cancelled, failed or interrupted`);
      }
      if (message.replaces !== undefined) {
        const replaced = exported.messages![message.replaces] as Partial<ChatMessage> | undefined;
        if (!Number.isInteger(message.replaces) || message.replaces >= index || replaced?.role !== 'user') {
          throw new Error(`${where}.replaces must be the index of an earlier user message`);
        }
      }
    }
  });
  return exported.messages;
}

const fence = (text: string): string => {
  // A fence longer than any run of backticks inside, so the text cannot close it.
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((run) => run[0].length));
  return `${'`'.repeat(longest + 1)}\n${text}\n${'`'.repeat(longest + 1)}`;
};

/** The conversation as Markdown: every prompt, answer and tool call (its arguments and result), failed and replaced turns marked. */
export function toMarkdown(title: string | undefined, messages: ChatMessage[]): string {
  const replacedFrom = messages.flatMap((message, index) =>
    message.replaces === undefined ? [] : [[message.replaces, index] as const],
  );
  const replaced = (index: number) => replacedFrom.some(([from, by]) => index >= from && index < by);
  const results = new Map(messages.filter((m) => m.role === 'tool').map((m) => [m.tool_call_id, m]));
  const lines = [`# ${title ?? 'Chat'}`, ''];
  messages.forEach((message, index) => {
    const marks = [...(replaced(index) ? ['replaced'] : []), ...(message.incomplete ? [message.incomplete] : [])];
    const note = marks.length > 0 ? ` _(${marks.join(', ')})_` : '';
    if (message.role === 'user') {
      lines.push(`## You${note}`, '', message.content, '');
    } else if (message.role === 'assistant' && message.tool_calls?.length) {
      for (const call of message.tool_calls) {
        const result = results.get(call.id);
        lines.push(`### Tool call \`${call.name}\`${note}`, '', fence(JSON.stringify(call.arguments, null, 2)), '');
        if (result) {
          lines.push(result.is_error ? 'Failed:' : 'Result:', '', fence(result.content), '');
        }
      }
    } else if (message.role === 'assistant') {
      lines.push(`## Assistant${message.model ? ` (${message.model})` : ''}${note}`, '', message.content, '');
    }
  });
  return `${lines.join('\n').trimEnd()}\n`;
}
