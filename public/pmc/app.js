// PMCChat: a chat client of the MCP host server, over socket.io (default) or SSE. This module ties
// the parts together: the session and its stream, the conversation, the chat list, the servers
// panel and the composer. A chat becomes a server session with its first message.

import { setViewHost } from './app-view.js';
import { askForCredential, forget } from './auth.js';
import { errorCard } from './cards.js';
import { ChatList } from './chats.js';
import { Composer } from './composer.js';
import { Conversation } from './conversation.js';
import { button } from './dom.js';
import { historyNodes } from './history-view.js';
import { ServerPanel } from './servers.js';
import { initTheme } from './theme.js';
import { http, onUnauthorized, ServerError, SocketTransport, SseTransport } from './transports.js';

const $ = (id) => document.getElementById(id);
const ui = {
  connection: $('connection'),
  status: $('pmc-status'),
  model: $('model'),
  transport: $('transport'),
  messages: $('messages'),
  notice: $('notice'),
  composer: $('composer'),
  input: $('input'),
  chips: $('attachments'),
  stop: $('stop'),
  sessions: $('sessions'),
  search: $('chat-search'),
  servers: $('servers'),
  newChat: $('new-chat'),
  menu: $('menu'),
  sidebar: $('sidebar'),
  backdrop: $('backdrop'),
  theme: $('theme'),
  who: $('who'),
  signOut: $('sign-out'),
};

const STORAGE = { session: 'pmc.session', transport: 'pmc.transport' };

const state = {
  transport: undefined,
  sessionId: localStorage.getItem(STORAGE.session) ?? undefined,
  lastEventId: 0,
  status: 'IDLE',
  everConnected: false,
  creating: undefined,
};

const busy = () => state.status === 'PROCESSING' || state.status === 'STARTING';

// ---- status and notices ---------------------------------------------------------------------

function setConnection(value) {
  ui.connection.dataset.state = value;
  ui.connection.textContent = value;
}

function setStatus(value) {
  state.status = value;
  ui.status.dataset.state = value;
  ui.status.textContent = value;
  ui.stop.disabled = !busy();
  conversation.refreshActions();
}

function notify(text) {
  ui.notice.textContent = text ?? '';
  ui.notice.hidden = !text;
}

function showFailure(error) {
  ui.messages.append(errorCard(error instanceof ServerError ? error.code : 'CLIENT_ERROR', error.message));
  conversation.scrollToEnd();
}

function rememberSession(sessionId) {
  state.sessionId = sessionId;
  if (sessionId) {
    localStorage.setItem(STORAGE.session, sessionId);
  } else {
    localStorage.removeItem(STORAGE.session);
  }
}

// ---- the parts ----------------------------------------------------------------------------------

const conversation = new Conversation({
  list: ui.messages,
  busy,
  answerElicitation: (id, answer) => state.transport.answer(state.sessionId, id, answer),
  answerApproval: (id, answer) => state.transport.approve(state.sessionId, id, answer),
  resend: (text, options) => send(text, [], options),
});

const chats = new ChatList({
  list: ui.sessions,
  search: ui.search,
  current: () => state.sessionId,
  open: (sessionId) => {
    closeSidebar();
    void open(sessionId).catch(showFailure);
  },
  deleting: (sessionId) => sessionId === state.sessionId && newChat(),
  failed: showFailure,
});

const servers = new ServerPanel({
  list: ui.servers,
  switched: (disabled) => {
    if (state.sessionId) {
      void http('PATCH', `/api/v3/sessions/${encodeURIComponent(state.sessionId)}`, { disabled_tools: disabled }).catch(
        showFailure,
      );
    }
  },
});

const composer = new Composer({
  form: ui.composer,
  input: ui.input,
  chips: ui.chips,
  servers: () => servers.servers,
  session: () => ensureSession(),
  send: (text, attachments) => send(text, attachments),
  notify,
});

// ---- events -----------------------------------------------------------------------------------

const sessionHandlers = {
  // The join's answer carries the session's real status; the replayed session_start does not.
  session_start: () => undefined,
  error: (event) => ui.messages.append(errorCard(event.data.code, event.data.message)),
  elicitation: (event) => conversation.sessionCard(event),
  approval: (event) => conversation.sessionCard(event),
  mcp_status: (event) => {
    const { server, state: serverState, reason } = event.data;
    notify(`MCP server ${server}: ${serverState}${reason ? ` (${reason})` : ''}`);
    void servers.refresh().catch(() => undefined);
  },
  session_end: (event) => {
    if (event.data.reason === 'deleted') {
      // Deleted in another tab or on another device.
      newChat();
      notify('This chat was deleted.');
      return;
    }
    notify(`This chat has ended (${event.data.reason}). Your next message starts a new chat.`);
    state.transport.leave(event.session_id);
    rememberSession(undefined);
    setStatus('IDLE');
    void chats.refresh();
    if (event.data.reason === 'shutdown') {
      // The server is going away; say so until it answers again.
      state.transport.awaitServer?.();
    }
  },
};

function onEvent(event) {
  if (event.session_id !== state.sessionId || event.id <= state.lastEventId) {
    return;
  }
  state.lastEventId = event.id;
  if (event.type === 'status') {
    setStatus(event.data.status);
  }
  if (!conversation.onTurnEvent(event)) {
    sessionHandlers[event.type]?.(event);
  }
  if (event.type === 'final_response' || (event.type === 'error' && !event.data.server)) {
    void chats.changed();
  }
  if (event.type === 'error' && event.data.server) {
    void servers.refresh().catch(() => undefined);
  }
}

// ---- identity ---------------------------------------------------------------------------------

const checkCredential = () => http('GET', '/api/v3/me', undefined, { retry: false });

function showWho(me) {
  ui.who.hidden = ui.signOut.hidden = !me.auth_enabled;
  ui.who.textContent = me.auth_enabled ? `Signed in as ${me.principal}` : '';
  ui.model.hidden = !me.model;
  ui.model.textContent = me.model?.split(':').slice(1).join(':') || me.model || '';
  ui.model.title = me.model ? `Model: ${me.model}` : '';
}

/** Asks for a key or token (the server refused the one the tab had); the screen stays as it is. */
async function signIn(reason) {
  const me = await askForCredential(reason, checkCredential);
  showWho(me);
  return me;
}

async function signOut() {
  forget();
  state.transport.stop();
  rememberSession(undefined);
  conversation.clear();
  ui.sessions.replaceChildren();
  showWho({ auth_enabled: true, principal: '' });
  await signIn('Signed out. Sign in again with a key or token.');
  startTransport(ui.transport.value);
  newChat();
}

// ---- sessions -----------------------------------------------------------------------------------

async function join(sessionId) {
  const joined = await state.transport.join(sessionId, sessionId === state.sessionId ? state.lastEventId : 0);
  if (joined.session_id !== state.sessionId) {
    // Another session numbers its events from 1.
    state.lastEventId = 0;
  }
  rememberSession(joined.session_id);
  setStatus(joined.status);
  return joined;
}

/** A chat with nothing sent yet: no server session until its first message. */
function newChat() {
  if (state.sessionId) {
    state.transport.leave(state.sessionId);
  }
  rememberSession(undefined);
  state.lastEventId = 0;
  conversation.showEmpty();
  servers.setDisabled([]);
  composer.reset();
  notify();
  setStatus('IDLE');
  void chats.refresh();
}

/** The chat's server session, created (with the switches set so far) on first need. */
function ensureSession() {
  if (state.sessionId) {
    return Promise.resolve(state.sessionId);
  }
  state.creating ??= (async () => {
    const joined = await join(undefined);
    const disabled = [...servers.disabled];
    if (disabled.length > 0) {
      await http('PATCH', `/api/v3/sessions/${encodeURIComponent(joined.session_id)}`, { disabled_tools: disabled });
    }
    return joined.session_id;
  })().finally(() => (state.creating = undefined));
  return state.creating;
}

/** Opens a session and draws its history, with the turn under way and those waiting. */
async function open(sessionId) {
  if (state.sessionId && state.sessionId !== sessionId) {
    state.transport.leave(state.sessionId);
  }
  state.lastEventId = 0;
  notify();
  state.sessionId = sessionId;
  const joined = await join(sessionId);
  const earlier =
    typeof joined.next_before === 'number' ? earlierButton(joined.session_id, joined.next_before) : undefined;
  conversation.draw(joined, earlier);
  servers.setDisabled(joined.disabled_tools);
  composer.reset();
  void chats.refresh();
}

/** The history comes a page at a time: this button at its top puts the page before it in its place. */
function earlierButton(sessionId, before) {
  const item = document.createElement('li');
  item.className = 'earlier';
  const show = button('Show earlier messages', {
    onClick: () => {
      show.disabled = true;
      void http('GET', `/api/v3/sessions/${encodeURIComponent(sessionId)}/messages?before=${before}`)
        .then((page) => {
          const more = typeof page.next_before === 'number' ? [earlierButton(sessionId, page.next_before)] : [];
          item.replaceWith(...more, ...historyNodes(page.messages, page.next_before ?? 0));
        })
        .catch((error) => {
          show.disabled = false;
          showFailure(error);
        });
    },
  });
  item.append(show);
  return item;
}

/** After a reconnect (or a lost SSE stream): resume where the stream stopped, or say the session is gone. */
async function resume(attempt = 0) {
  if (!state.sessionId) {
    return;
  }
  if (attempt > 0) setConnection('reconnecting');
  try {
    await join(state.sessionId);
    notify();
    if (attempt > 0) setConnection('connected');
  } catch (error) {
    if (error instanceof ServerError && error.code === 'SESSION_NOT_FOUND') {
      sessionLost();
      if (attempt > 0) setConnection('connected');
      return;
    }
    if (state.transport instanceof SocketTransport) {
      notify(`Could not resume the session: ${error.message}`);
      return;
    }
    if (error instanceof ServerError && error.code === 'STREAM_FAILED') {
      // The stream may have been refused for an expired credential: asking the server says so (and asks anew).
      await http('GET', '/api/v3/me').catch(() => undefined);
    }
    setTimeout(() => void resume(attempt + 1), Math.min(1000 * 2 ** attempt, 15_000));
  }
}

function sessionLost() {
  rememberSession(undefined);
  setStatus('IDLE');
  notify(
    'The server no longer has this session (it restarted or the session expired). The conversation stays on screen; your next message starts a new chat.',
  );
}

// ---- sending ----------------------------------------------------------------------------------

/** Sends as the user (or a tool's view on their behalf); whether the server took it. */
async function send(text, attachments = [], options = {}) {
  const node = conversation.prompt(text, attachments);
  try {
    const sessionId = await ensureSession();
    const refs = attachments.map(({ server, uri }) => ({ server, uri }));
    const { turn_id: turnId } = await state.transport.send(sessionId, text, {
      ...options,
      ...(refs.length > 0 ? { attachments: refs } : {}),
    });
    conversation.accepted(node, turnId);
    void chats.changed();
    return true;
  } catch (error) {
    if (error instanceof ServerError && error.code === 'SESSION_NOT_FOUND') {
      sessionLost();
    }
    conversation.refused(node, error);
    return false;
  }
}

setViewHost({
  sendMessage: async (text) => {
    if (!(await send(text))) {
      throw new Error('The message was not sent');
    }
  },
});

async function stop() {
  if (state.sessionId) {
    await state.transport.cancel(state.sessionId).catch(showFailure);
  }
}

// ---- transports and the page ------------------------------------------------------------------

function onConnection(value) {
  setConnection(value);
  if (value === 'connected') {
    const reconnected = state.everConnected;
    state.everConnected = true;
    if (reconnected) {
      void resume();
      void chats.refresh();
      void servers.refresh().catch(() => undefined);
    }
  }
}

function startTransport(kind) {
  state.transport?.stop();
  state.everConnected = false;
  const events = { onEvent, onConnection, onLost: () => void resume(1) };
  state.transport = kind === 'sse' ? new SseTransport(events) : new SocketTransport(events);
  localStorage.setItem(STORAGE.transport, kind);
  ui.transport.value = kind;
  state.transport.start();
}

function setSidebar(open) {
  ui.sidebar.classList.toggle('open', open);
  ui.backdrop.hidden = !open;
  ui.menu.setAttribute('aria-expanded', String(open));
}

const closeSidebar = () => setSidebar(false);

function wire() {
  ui.stop.addEventListener('click', () => void stop());
  ui.input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !ui.stop.disabled && !composer.picker.open) void stop();
  });
  ui.signOut.addEventListener('click', () => void signOut());
  ui.newChat.addEventListener('click', () => {
    closeSidebar();
    newChat();
    ui.input.focus();
  });
  ui.menu.addEventListener('click', () => setSidebar(!ui.sidebar.classList.contains('open')));
  ui.backdrop.addEventListener('click', closeSidebar);
  ui.transport.addEventListener('change', () => {
    startTransport(ui.transport.value);
    if (state.sessionId) {
      void open(state.sessionId).catch(() => newChat());
    }
  });
  initTheme(ui.theme);
}

/** Back from a server's authorization page: say how it went, and tidy the address. */
function authorizationOutcome() {
  const params = new URLSearchParams(location.search);
  const connected = params.get('connected');
  const failed = params.get('oauth_error');
  if (connected) {
    notify(`${connected} is connected: your next message can use its tools.`);
  } else if (failed) {
    notify(`The authorization did not complete: ${failed}`);
  }
  if (connected || failed) {
    history.replaceState(null, '', location.pathname);
  }
}

async function main() {
  wire();
  onUnauthorized(signIn);
  // Before anything connects: with authentication on, this asks for a key or token first.
  showWho(await http('GET', '/api/v3/me'));
  startTransport(localStorage.getItem(STORAGE.transport) === 'sse' ? 'sse' : 'socket');
  void servers.refresh().catch(() => undefined);
  if (state.sessionId) {
    await open(state.sessionId).catch((error) => {
      // The remembered session is gone (server restart, expiry): start afresh.
      newChat();
      if (!(error instanceof ServerError && error.code === 'SESSION_NOT_FOUND')) showFailure(error);
    });
  } else {
    newChat();
  }
  authorizationOutcome();
  ui.input.focus();
}

void main();
