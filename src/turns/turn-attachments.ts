import type { StoredAttachment } from '../contract/session-record';
import type { McpSessionClients } from '../mcp/mcp-session-clients';
import type { AttachmentRef } from '../session-store/session-store';

/**
 * Reads the resources a message attaches, from the session's MCP servers, as the text the model
 * receives with the message. Text beyond `maxChars` is cut; a binary resource or one that cannot
 * be read is kept with a note saying so, and the turn goes on.
 */
export async function readAttachments(
  clients: McpSessionClients,
  refs: readonly AttachmentRef[],
  maxChars: number,
  signal: AbortSignal,
): Promise<StoredAttachment[]> {
  return Promise.all(refs.map((ref) => readOne(clients, ref, maxChars, signal)));
}

async function readOne(
  clients: McpSessionClients,
  ref: AttachmentRef,
  maxChars: number,
  signal: AbortSignal,
): Promise<StoredAttachment> {
  let contents;
  try {
    ({ contents } = await clients.readResource(ref.server, ref.uri, signal));
  } catch (error) {
    signal.throwIfAborted();
    return { ...ref, text: '', note: `could not be read: ${(error as Error).message}` };
  }
  const texts: string[] = [];
  const binary: string[] = [];
  for (const content of contents) {
    if ('text' in content && typeof content.text === 'string') {
      texts.push(content.text);
    } else {
      binary.push(content.mimeType ?? 'binary');
    }
  }
  const text = texts.join('\n');
  const notes = [
    ...(text.length > maxChars ? [`cut to ${maxChars} of ${text.length} characters (ATTACHMENT_MAX_CHARS)`] : []),
    ...(binary.length > 0 ? [`binary content not included (${binary.join(', ')})`] : []),
  ];
  return {
    ...ref,
    ...(contents[0]?.mimeType ? { mime_type: contents[0].mimeType } : {}),
    text: text.slice(0, maxChars),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}
