// PMCChat: a chat client of the MCP host server, over socket.io (default) or SSE. This module ties
// the parts together: the header, the session and its stream (chat-session.js), the conversation,
// the chat list, the servers panel and the composer.

import { setViewHost } from './app-view.js';
import { askForCredential, forget } from './auth.js';
import { errorCard } from './cards.js';
import { ChatSession } from './chat-session.js';
import { ChatList } from './chats.js';
import { Composer } from './composer.js';
import { Conversation } from './conversation.js';
import { ModelPicker } from './models.js';
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

const TRANSPORT_KEY = 'pmc.transport';

const state = { status: 'IDLE', everConnected: false };

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

// ---- the parts ----------------------------------------------------------------------------------

const conversation = new Conversation({
  list: ui.messages,
  busy,
  answerElicitation: (id, answer) => chat.transport.answer(chat.sessionId, id, answer),
  answerApproval: (id, answer) => chat.transport.approve(chat.sessionId, id, answer),
  resend: (text, options) => chat.send(text, [], options),
});

const chats = new ChatList({
  list: ui.sessions,
  search: ui.search,
  current: () => chat.sessionId,
  open: (sessionId) => {
    closeSidebar();
    void chat.open(sessionId).catch(showFailure);
  },
  deleting: (sessionId) => sessionId === chat.sessionId && chat.newChat(),
  failed: showFailure,
});

const servers = new ServerPanel({
  list: ui.servers,
  // Before the chat's first message, the switches wait for the session it creates.
  switched: (disabled) => chat.sessionId && void chat.patch({ disabled_tools: disabled }).catch(showFailure),
  failed: showFailure,
});

const composer = new Composer({
  form: ui.composer,
  input: ui.input,
  chips: ui.chips,
  servers: () => servers.servers,
  session: () => chat.ensure(),
  send: (text, attachments) => chat.send(text, attachments),
  notify,
});

const models = new ModelPicker(ui.model, (model) => void chat.switchModel(model).catch(showFailure));

const chat = new ChatSession({
  conversation,
  servers,
  models,
  composer,
  chats,
  setStatus,
  setConnection,
  notify,
  showFailure,
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
      chat.newChat();
      notify('This chat was deleted.');
      return;
    }
    notify(`This chat has ended (${event.data.reason}). Your next message starts a new chat.`);
    chat.transport.leave(event.session_id);
    chat.remember(undefined);
    setStatus('IDLE');
    void chats.refresh();
    if (event.data.reason === 'shutdown') {
      // The server is going away; say so until it answers again.
      chat.transport.awaitServer?.();
    }
  },
};

function onEvent(event) {
  if (!chat.fresh(event)) {
    return;
  }
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
}

/** Asks for a key or token (the server refused the one the tab had); the screen stays as it is. */
async function signIn(reason) {
  const me = await askForCredential(reason, checkCredential);
  showWho(me);
  // Another principal may use other models.
  void models.load().catch(showFailure);
  return me;
}

async function signOut() {
  forget();
  chat.transport.stop();
  chat.remember(undefined);
  conversation.clear();
  ui.sessions.replaceChildren();
  showWho({ auth_enabled: true, principal: '' });
  await signIn('Signed out. Sign in again with a key or token.');
  startTransport(ui.transport.value);
  chat.newChat();
}

// ---- sending ----------------------------------------------------------------------------------

setViewHost({
  sendMessage: async (text) => {
    if (!(await chat.send(text))) {
      throw new Error('The message was not sent');
    }
  },
});

// ---- transports and the page ------------------------------------------------------------------

function onConnection(value) {
  setConnection(value);
  if (value === 'connected') {
    const reconnected = state.everConnected;
    state.everConnected = true;
    if (reconnected) {
      void chat.resume();
      void chats.refresh();
      void servers.refresh().catch(() => undefined);
    }
  }
}

function startTransport(kind) {
  chat.transport?.stop();
  state.everConnected = false;
  const events = { onEvent, onConnection, onLost: () => void chat.resume(1) };
  chat.transport = kind === 'sse' ? new SseTransport(events) : new SocketTransport(events);
  localStorage.setItem(TRANSPORT_KEY, kind);
  ui.transport.value = kind;
  chat.transport.start();
}

function setSidebar(open) {
  ui.sidebar.classList.toggle('open', open);
  ui.backdrop.hidden = !open;
  ui.menu.setAttribute('aria-expanded', String(open));
}

const closeSidebar = () => setSidebar(false);

function wire() {
  ui.stop.addEventListener('click', () => void chat.stop());
  ui.input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !ui.stop.disabled && !composer.picker.open) void chat.stop();
  });
  ui.signOut.addEventListener('click', () => void signOut());
  ui.newChat.addEventListener('click', () => {
    closeSidebar();
    chat.newChat();
    ui.input.focus();
  });
  ui.menu.addEventListener('click', () => setSidebar(!ui.sidebar.classList.contains('open')));
  ui.backdrop.addEventListener('click', closeSidebar);
  ui.transport.addEventListener('change', () => {
    startTransport(ui.transport.value);
    if (chat.sessionId) {
      void chat.open(chat.sessionId).catch(() => chat.newChat());
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
  await models.load().catch(showFailure);
  startTransport(localStorage.getItem(TRANSPORT_KEY) === 'sse' ? 'sse' : 'socket');
  void servers.refresh().catch(() => undefined);
  if (chat.sessionId) {
    await chat.open(chat.sessionId).catch((error) => {
      // The remembered session is gone (server restart, expiry): start afresh.
      chat.newChat();
      if (!(error instanceof ServerError && error.code === 'SESSION_NOT_FOUND')) showFailure(error);
    });
  } else {
    chat.newChat();
  }
  authorizationOutcome();
  ui.input.focus();
}

void main();
