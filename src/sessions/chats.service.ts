import { Injectable } from '@nestjs/common';

import type { Principal } from '../auth/principal';
import { sessionNotFound } from '../common/errors';
import { isConversation } from '../contract/session-record';
import type { SessionRecord } from '../contract/session-record';
import { ModelRegistry } from '../models/model-registry';
import { reachSession } from '../session-store/session-access';
import { SessionStore } from '../session-store/session-store';
import type { SessionChanges, SessionKey } from '../session-store/session-store';

// A search reads at most this many sessions per request (the rest on the next page), and the
// latest SEARCH_SCAN_MESSAGES messages of each.
export const SEARCH_SCAN_SESSIONS = 200;
export const SEARCH_SCAN_MESSAGES = 500;
const SCAN_BATCH = 50;
// Characters of context on each side of a match in its snippet.
const SNIPPET_CONTEXT = 40;

export interface Found {
  record: SessionRecord;
  /** The matching words with a little context around them. */
  match: string;
}

/** What the chat list does besides listing: rename a chat, switch its tools, and search the caller's chats. */
@Injectable()
export class ChatsService {
  constructor(
    private readonly store: SessionStore,
    private readonly models: ModelRegistry,
  ) {}

  /**
   * The owner's changes (title, tool switches, model), applied from the session's next turn on; a
   * model the owner may not use is UNKNOWN_MODEL, and nothing is changed.
   */
  async change(principal: Principal, sessionId: string, changes: SessionChanges): Promise<SessionRecord> {
    const record = await reachSession(this.store, principal, sessionId, 'drive');
    if (changes.model !== undefined) {
      this.models.choose(principal.id, changes.model);
    }
    if (!(await this.store.change(sessionId, changes))) {
      throw sessionNotFound(sessionId);
    }
    return { ...record, ...changes };
  }

  /**
   * Sessions (only `owner`'s when given) whose title or conversation contains `query`, ignoring
   * case, newest first. Each page reads a bounded number of sessions; `next` resumes after the
   * last one read, whether or not it matched.
   */
  async search(
    query: string,
    limit: number,
    after: SessionKey | undefined,
    owner: string | undefined,
  ): Promise<{ found: Found[]; next?: SessionKey }> {
    const needle = query.toLocaleLowerCase();
    const found: Found[] = [];
    let scanned = 0;
    let position = after;
    while (found.length < limit && scanned < SEARCH_SCAN_SESSIONS) {
      const page = await this.store.list(Math.min(SCAN_BATCH, SEARCH_SCAN_SESSIONS - scanned), position, owner);
      const matches = await Promise.all(page.records.map((record) => this.matchIn(record, needle)));
      for (const [i, record] of page.records.entries()) {
        scanned += 1;
        position = { created_at: record.created_at, id: record.id };
        if (matches[i] !== undefined) {
          found.push({ record, match: matches[i] });
        }
        if (found.length === limit) {
          break;
        }
      }
      if (!page.next) {
        const last = page.records.at(-1);
        // Everything was read unless the page stopped short of its end.
        return last && position?.id !== last.id ? { found, next: position } : { found };
      }
    }
    return { found, next: position };
  }

  private async matchIn(record: SessionRecord, needle: string): Promise<string | undefined> {
    const inTitle = snippet(record.title ?? '', needle);
    if (inTitle !== undefined) {
      return inTitle;
    }
    const history = await this.store.messages(record.id, SEARCH_SCAN_MESSAGES);
    for (const message of history?.messages.filter(isConversation) ?? []) {
      const inMessage = snippet(message.content, needle);
      if (inMessage !== undefined) {
        return inMessage;
      }
    }
    return undefined;
  }
}

/** The match with some context, on one line; undefined when the text does not contain the needle. */
function snippet(text: string, needle: string): string | undefined {
  const at = text.toLocaleLowerCase().indexOf(needle);
  if (at < 0) {
    return undefined;
  }
  const start = Math.max(at - SNIPPET_CONTEXT, 0);
  const end = Math.min(at + needle.length + SNIPPET_CONTEXT, text.length);
  const words = text.slice(start, end).replace(/\s+/g, ' ').trim();
  return `${start > 0 ? '…' : ''}${words}${end < text.length ? '…' : ''}`;
}
