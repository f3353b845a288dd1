import type { ChatMessage } from '../contract/session-record';
import { importedMessages, toExport, toMarkdown } from './session-export';

// A tool call, a failed turn, and an edited turn (its replacement names where it began).
const HISTORY: ChatMessage[] = [
  { role: 'user', content: 'list files' },
  {
    role: 'assistant',
    content: '',
    tool_calls: [{ id: 'c1', name: 'fs__list', arguments: { path: '/' } }],
    model: 'fast',
  },
  { role: 'tool', content: 'a.txt', tool_call_id: 'c1', name: 'fs__list' },
  { role: 'assistant', content: 'One file: a.txt', model: 'fast' },
  { role: 'user', content: 'boom', incomplete: 'failed' },
  { role: 'user', content: 'first words' },
  { role: 'assistant', content: 'first answer', model: 'fast' },
  { role: 'user', content: 'better words', replaces: 5 },
  { role: 'assistant', content: 'better answer ```with fences```', model: 'claude' },
];

describe('session export', () => {
  it('should take back exactly what it exported, every field', () => {
    const exported = JSON.parse(JSON.stringify(toExport('Files', HISTORY, 0))) as unknown;
    expect(exported).toMatchObject({ format: 'mcp-host-session', version: 1, exported_at: '1970-01-01T00:00:00.000Z' });
    expect(importedMessages(exported)).toEqual(HISTORY);
  });

  it.each([
    [{ format: 'other', version: 1, messages: [] }, /format must be "mcp-host-session"/],
    [{ format: 'mcp-host-session', version: 2, messages: [] }, /version 1/],
    [{ format: 'mcp-host-session', version: 1 }, /messages must be a list/],
    [{ format: 'mcp-host-session', version: 1, messages: [{ role: 'system', content: 'x' }] }, /messages\[0\]\.role/],
    [{ format: 'mcp-host-session', version: 1, messages: [{ role: 'user', content: 7 }] }, /messages\[0\]\.content/],
    [
      { format: 'mcp-host-session', version: 1, messages: [{ role: 'tool', content: 'x', tool_call_id: 'c9' }] },
      /messages\[0\] is a tool result that answers no call/,
    ],
    [
      { format: 'mcp-host-session', version: 1, messages: [{ role: 'user', content: 'x', replaces: 0 }] },
      /messages\[0\]\.replaces must be the index of an earlier user message/,
    ],
    [
      {
        format: 'mcp-host-session',
        version: 1,
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b', replaces: 3 },
        ],
      },
      /messages\[1\]\.replaces/,
    ],
  ])('should refuse %j naming the problem', (body, message) => {
    expect(() => importedMessages(body)).toThrow(message);
  });

  it('should write every prompt, answer and tool call as Markdown, failed and replaced turns marked', () => {
    const markdown = toMarkdown('Files', HISTORY);
    expect(markdown).toContain('# Files');
    expect(markdown).toContain('### Tool call `fs__list`');
    expect(markdown).toContain('"path": "/"');
    expect(markdown).toContain('Result:\n\n```\na.txt\n```');
    expect(markdown).toContain('## You _(failed)_\n\nboom');
    expect(markdown).toContain('## You _(replaced)_\n\nfirst words');
    expect(markdown).toContain('## Assistant (fast) _(replaced)_\n\nfirst answer');
    expect(markdown).toContain('## Assistant (claude)\n\nbetter answer ```with fences```');
  });
});
