import type { ChatMessage } from '../contract/session-record';
import type { MessagePage } from '../session-store/session-store';

/**
 * The newest messages of a session's history (at most MAX_HISTORY_MESSAGES), kept by the node that
 * runs its turns: read from the store once, when the node starts running the session, then extended
 * with each turn's messages as the store records them. A turn then asks the store for no history
 * (`historyLimit` 0) and only checks, by the total it reports, that nothing else wrote meanwhile.
 */
export class HeldHistory {
  private constructor(
    private page: MessagePage,
    private readonly limit: number,
  ) {}

  static of(page: MessagePage, limit: number): HeldHistory {
    return new HeldHistory(page, limit);
  }

  /** What a turn runs on, if the store's history is still the one kept here (`total` as the store counts it). */
  current(total: number): MessagePage | undefined {
    return this.page.total === total ? this.page : undefined;
  }

  /** The turn's messages, as the store just appended them. */
  append(messages: readonly ChatMessage[]): void {
    const total = this.page.total + messages.length;
    const kept = [...this.page.messages, ...messages].slice(-this.limit);
    this.page = { messages: kept, total, next_before: total > kept.length ? total - kept.length : null };
  }
}
