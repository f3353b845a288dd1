// The chat list: the caller's chats, newest activity first, with their plain-text title, how many
// messages they hold and their status; rename and delete; search across titles and text. It is
// kept fresh after every turn, error and deletion, also ones made in another tab or on another
// device (other tabs say so at once; other devices show up on focus and every half minute).

import { button, el, plainTitle } from './dom.js';
import { http } from './transports.js';

const REFRESH_MS = 30_000;
const SEARCH_DELAY_MS = 250;
// How long a delete waits for its second press.
const CONFIRM_MS = 4000;

export class ChatList {
  /** host: { list, search, current(), open(id), deleting(id), failed(error) } */
  constructor(host) {
    this.host = host;
    this.query = '';
    this.tabs = 'BroadcastChannel' in window ? new BroadcastChannel('pmc.chats') : undefined;
    this.tabs?.addEventListener('message', () => void this.refresh());
    host.search.addEventListener('input', () => {
      clearTimeout(this.searching);
      this.searching = setTimeout(() => {
        this.query = host.search.value.trim();
        void this.refresh();
      }, SEARCH_DELAY_MS);
    });
    const refreshIfShown = () => {
      if (document.visibilityState === 'visible') void this.refresh();
    };
    document.addEventListener('visibilitychange', refreshIfShown);
    window.addEventListener('focus', refreshIfShown);
    setInterval(refreshIfShown, REFRESH_MS);
  }

  /** After a change here: this list, and the other tabs' lists. */
  changed() {
    this.tabs?.postMessage('changed');
    return this.refresh();
  }

  async refresh() {
    const query = this.query ? `?q=${encodeURIComponent(this.query)}` : '';
    let sessions;
    try {
      ({ sessions } = await http('GET', `/api/v3/sessions${query}`));
    } catch {
      return;
    }
    if (!this.query) {
      sessions.sort((a, b) => b.last_active_at.localeCompare(a.last_active_at));
    }
    // A rename in progress, or a delete waiting for its second press, is not redrawn under the
    // user's fingers: the list is drawn once they are done.
    if (this.host.list.querySelector('.rename, [data-confirm="true"]')) {
      this.stale = true;
      return;
    }
    this.stale = false;
    this.host.list.replaceChildren(
      ...(sessions.length === 0 && this.query ? [el('li', 'hint', 'No chat matches')] : []),
      ...sessions.map((session) => this.item(session)),
    );
  }

  item(session) {
    const title = plainTitle(session.title) || 'New chat';
    const when = new Date(session.last_active_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const count = `${session.message_count} message${session.message_count === 1 ? '' : 's'}`;
    const meta = el('small', '', `${when} · ${count}${session.status === 'PROCESSING' ? ' · working' : ''}`);
    const open = el('button', 'chat-open', el('span', 'chat-title', title), meta);
    open.type = 'button';
    open.title = title;
    if (session.match) {
      open.append(el('small', 'match', session.match));
    }
    open.setAttribute('aria-current', String(session.session_id === this.host.current()));
    open.addEventListener('click', () => this.host.open(session.session_id));
    const rename = button('✎', {
      className: 'ghost',
      title: `Rename "${title}"`,
      onClick: () => this.rename(item, session, title),
    });
    const remove = button('✕', { className: 'ghost', title: `Delete "${title}"` });
    remove.addEventListener('click', () => this.confirmDelete(item, session, remove));
    const item = el('li', 'chat-item', open, el('span', 'chat-actions', rename, remove));
    item.dataset.session = session.session_id;
    return item;
  }

  rename(item, session, title) {
    const input = el('input', 'rename');
    input.value = title === 'New chat' ? '' : title;
    input.maxLength = 80;
    input.setAttribute('aria-label', 'New title');
    const done = async (save) => {
      const value = input.value.trim();
      input.disabled = true;
      if (save && value && value !== title) {
        await http('PATCH', `/api/v3/sessions/${encodeURIComponent(session.session_id)}`, { title: value }).catch(
          this.host.failed,
        );
      }
      item.replaceWith(this.item(session));
      await this.changed();
    };
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') void done(true);
      if (event.key === 'Escape') void done(false);
    });
    input.addEventListener('blur', () => void (input.disabled || done(true)));
    item.replaceChildren(input);
    input.focus();
    input.select();
  }

  /** The first press asks; the second, within a few seconds, deletes. */
  confirmDelete(item, session, remove) {
    if (remove.dataset.confirm !== 'true') {
      remove.dataset.confirm = 'true';
      remove.textContent = 'Delete?';
      remove.setAttribute('aria-label', 'Press again to delete');
      setTimeout(() => {
        remove.dataset.confirm = 'false';
        remove.textContent = '✕';
        remove.setAttribute('aria-label', remove.title);
        if (this.stale) void this.refresh();
      }, CONFIRM_MS);
      return;
    }
    remove.disabled = true;
    // The open chat is left first: its end is no news to this tab.
    this.host.deleting(session.session_id);
    void http('DELETE', `/api/v3/sessions/${encodeURIComponent(session.session_id)}`)
      .then(() => item.remove())
      .catch(this.host.failed)
      .finally(() => void this.changed());
  }
}
