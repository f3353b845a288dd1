// The open chat's server session: joining it (and resuming after a drop), a new chat that becomes a
// session only with its first message, sending, and stopping. The session id is remembered across
// reloads.

import { button } from './dom.js';
import { historyNodes } from './history-view.js';
import { modelLabel } from './models.js';
import { http, ServerError, SocketTransport } from './transports.js';

const STORAGE_KEY = 'pmc.session';

export class ChatSession {
  /** host: { conversation, servers, models, composer, chats, setStatus, setConnection, notify, showFailure } */
  constructor(host) {
    this.host = host;
    this.transport = undefined;
    this.sessionId = localStorage.getItem(STORAGE_KEY) ?? undefined;
    this.lastEventId = 0;
    this.creating = undefined;
  }

  remember(sessionId) {
    this.sessionId = sessionId;
    if (sessionId) {
      localStorage.setItem(STORAGE_KEY, sessionId);
    } else {
      localStorage.removeItem(STORAGE_KEY);
    }
  }

  /** An event of this session not seen yet (a resumed stream may repeat some). */
  fresh(event) {
    if (event.session_id !== this.sessionId || event.id <= this.lastEventId) {
      return false;
    }
    this.lastEventId = event.id;
    return true;
  }

  async join(sessionId) {
    const joined = await this.transport.join(sessionId, sessionId === this.sessionId ? this.lastEventId : 0);
    if (joined.session_id !== this.sessionId) {
      // Another session numbers its events from 1.
      this.lastEventId = 0;
    }
    this.remember(joined.session_id);
    this.host.setStatus(joined.status);
    return joined;
  }

  /** A chat with nothing sent yet: no server session until its first message. */
  newChat() {
    if (this.sessionId) {
      this.transport.leave(this.sessionId);
    }
    this.remember(undefined);
    this.lastEventId = 0;
    this.host.conversation.showEmpty();
    this.host.servers.setDisabled([]);
    this.host.models.show(undefined);
    this.host.composer.reset();
    this.host.notify();
    this.host.setStatus('IDLE');
    void this.host.chats.refresh();
  }

  /** The chat's server session, created (with the switches set so far) on first need. */
  ensure() {
    if (this.sessionId) {
      return Promise.resolve(this.sessionId);
    }
    this.creating ??= (async () => {
      const joined = await this.join(undefined);
      const disabled = [...this.host.servers.disabled];
      // The model picked before the first message, when it is not the one the chat got.
      const model = this.host.models.value;
      const changes = {
        ...(disabled.length > 0 ? { disabled_tools: disabled } : {}),
        ...(model && model !== joined.model ? { model } : {}),
      };
      if (Object.keys(changes).length > 0) {
        await this.patch(changes);
      }
      return joined.session_id;
    })().finally(() => (this.creating = undefined));
    return this.creating;
  }

  /** The open chat answers with `model` from its next message; a new chat takes it when its first message creates it. */
  async switchModel(model) {
    if (this.sessionId) {
      await this.patch({ model });
      this.host.notify(`Answers come from ${modelLabel(model)} from your next message.`);
    }
  }

  patch(changes) {
    return http('PATCH', `/api/v3/sessions/${encodeURIComponent(this.sessionId)}`, changes);
  }

  /** Opens a session and draws its history, with the turn under way and those waiting. */
  async open(sessionId) {
    if (this.sessionId && this.sessionId !== sessionId) {
      this.transport.leave(this.sessionId);
    }
    this.lastEventId = 0;
    this.host.notify();
    this.sessionId = sessionId;
    const joined = await this.join(sessionId);
    const before = joined.next_before;
    this.host.conversation.draw(
      joined,
      typeof before === 'number' ? this.earlier(joined.session_id, before) : undefined,
    );
    this.host.servers.setDisabled(joined.disabled_tools);
    this.host.models.show(joined.model ?? undefined);
    this.host.composer.reset();
    void this.host.chats.refresh();
  }

  /** The history comes a page at a time: this button at its top puts the page before it in its place. */
  earlier(sessionId, before) {
    const item = document.createElement('li');
    item.className = 'earlier';
    const show = button('Show earlier messages', {
      onClick: () => {
        show.disabled = true;
        void http('GET', `/api/v3/sessions/${encodeURIComponent(sessionId)}/messages?before=${before}`)
          .then((page) => {
            const more = typeof page.next_before === 'number' ? [this.earlier(sessionId, page.next_before)] : [];
            item.replaceWith(...more, ...historyNodes(page.messages, page.next_before ?? 0));
          })
          .catch((error) => {
            show.disabled = false;
            this.host.showFailure(error);
          });
      },
    });
    item.append(show);
    return item;
  }

  /** After a reconnect (or a lost SSE stream): resume where the stream stopped, or say the session is gone. */
  async resume(attempt = 0) {
    if (!this.sessionId) {
      return;
    }
    if (attempt > 0) this.host.setConnection('reconnecting');
    try {
      await this.join(this.sessionId);
      this.host.notify();
      if (attempt > 0) this.host.setConnection('connected');
    } catch (error) {
      if (error instanceof ServerError && error.code === 'SESSION_NOT_FOUND') {
        this.lost();
        if (attempt > 0) this.host.setConnection('connected');
        return;
      }
      if (this.transport instanceof SocketTransport) {
        this.host.notify(`Could not resume the session: ${error.message}`);
        return;
      }
      if (error instanceof ServerError && error.code === 'STREAM_FAILED') {
        // The stream may have been refused for an expired credential: asking the server says so (and asks anew).
        await http('GET', '/api/v3/me').catch(() => undefined);
      }
      setTimeout(() => void this.resume(attempt + 1), Math.min(1000 * 2 ** attempt, 15_000));
    }
  }

  lost() {
    this.remember(undefined);
    this.host.setStatus('IDLE');
    this.host.notify(
      'The server no longer has this session (it restarted or the session expired). The conversation stays on screen; your next message starts a new chat.',
    );
  }

  /** Sends as the user (or a tool's view on their behalf); whether the server took it. */
  async send(text, attachments = [], options = {}) {
    const node = this.host.conversation.prompt(text, attachments);
    try {
      const sessionId = await this.ensure();
      const refs = attachments.map(({ server, uri }) => ({ server, uri }));
      const { turn_id: turnId } = await this.transport.send(sessionId, text, {
        ...options,
        ...(refs.length > 0 ? { attachments: refs } : {}),
      });
      this.host.conversation.accepted(node, turnId);
      void this.host.chats.changed();
      return true;
    } catch (error) {
      if (error instanceof ServerError && error.code === 'SESSION_NOT_FOUND') {
        this.lost();
      }
      this.host.conversation.refused(node, error);
      return false;
    }
  }

  async stop() {
    if (this.sessionId) {
      await this.transport.cancel(this.sessionId).catch(this.host.showFailure);
    }
  }
}
