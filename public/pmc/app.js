// PMCChat: a chat client of the MCP host server, over socket.io (default) or SSE.

import { setViewHost } from './app-view.js';
import { askForCredential, forget } from './auth.js';
import { http, onUnauthorized, ServerError, SocketTransport, SseTransport } from './transports.js';
import {
  TurnView,
  approvalCard,
  approvalOutcome,
  elicitationCard,
  elicitationOutcome,
  errorCard,
  historyNodes,
  hintFor,
  userMessage,
} from './view.js';

const $ = (id) => document.getElementById(id);
const ui = {
  connection: $('connection'),
  status: $('pmc-status'),
  transport: $('transport'),
  messages: $('messages'),
  notice: $('notice'),
  composer: $('composer'),
  input: $('input'),
  send: $('send'),
  stop: $('stop'),
  sessions: $('sessions'),
  servers: $('servers'),
  newChat: $('new-chat'),
  menu: $('menu'),
  sidebar: $('sidebar'),
  who: $('who'),
  signOut: $('sign-out'),
};

const STORAGE = { session: 'pmc.session', transport: 'pmc.transport' };

const state = {
  transport: undefined,
  sessionId: localStorage.getItem(STORAGE.session) ?? undefined,
  lastEventId: 0,
  status: 'IDLE',
  turns: new Map(),
  everConnected: false,
};

// ---- status and notices ---------------------------------------------------------------------

function setConnection(value) {
  ui.connection.dataset.state = value;
  ui.connection.textContent = value;
}

function setStatus(value) {
  state.status = value;
  ui.status.dataset.state = value;
  ui.status.textContent = value;
  const busy = value === 'PROCESSING' || value === 'STARTING';
  ui.stop.disabled = !busy;
}

function notify(text) {
  ui.notice.textContent = text ?? '';
  ui.notice.hidden = !text;
}

function scrollToEnd() {
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function append(node) {
  const atEnd = ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 80;
  ui.messages.append(node);
  if (atEnd) {
    scrollToEnd();
  }
}

function rememberSession(sessionId) {
  state.sessionId = sessionId;
  if (sessionId) {
    localStorage.setItem(STORAGE.session, sessionId);
  } else {
    localStorage.removeItem(STORAGE.session);
  }
}

// ---- events -----------------------------------------------------------------------------------

function turnView(turnId) {
  let view = state.turns.get(turnId);
  if (!view) {
    view = new TurnView(turnId);
    state.turns.set(turnId, view);
    append(view.node);
  }
  return view;
}

const handlers = {
  session_start: (event) => setStatus(event.data.status),
  status: (event) => setStatus(event.data.status),
  partial_response: (event) => turnView(event.turn_id).appendDelta(event.data.delta),
  thinking: (event) => turnView(event.turn_id).thinking(event.data),
  acting: (event) => turnView(event.turn_id).acting(event.data),
  tool_call: (event) => turnView(event.turn_id).toolCall(event.data),
  observing: (event) => turnView(event.turn_id).observing(event.data),
  sampling: (event) => turnView(event.turn_id).sampling(event.data),
  final_response: (event) => {
    turnView(event.turn_id).final(event.data);
    void refreshSidebar();
  },
  error: (event) => {
    const { code, message, server } = event.data;
    if (server) {
      // A notice about one server: the turn goes on. One that waits for authorization gets its link.
      turnView(event.turn_id).notice(`⚠ ${message} ${hintFor(code)}`);
      void refreshServers().catch(() => undefined);
      return;
    }
    if (event.turn_id) {
      turnView(event.turn_id).failed(event.data);
    } else {
      append(errorCard(code, message));
    }
  },
  elicitation: (event) => onElicitation(event),
  approval: (event) => onApproval(event),
  mcp_status: (event) => {
    const { server, state: serverState, reason } = event.data;
    notify(`MCP server ${server}: ${serverState}${reason ? ` (${reason})` : ''}`);
    void refreshServers();
  },
  session_end: (event) => {
    notify(`This session has ended (${event.data.reason}). Your next message starts a new chat.`);
    state.transport.leave(event.session_id);
    rememberSession(undefined);
    setStatus('IDLE');
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
  handlers[event.type]?.(event);
}

/**
 * A question the turn waits on (an elicitation or an approval): a card while it is pending, its
 * outcome drawn in the same card once it is settled.
 */
function onPending(event, { id, host, card, outcome, focus }) {
  const existing = host.querySelector(`[data-${id.attribute}="${CSS.escape(id.value)}"]`);
  if (event.data.status !== 'pending') {
    if (existing) {
      outcome(existing, event.data);
    }
    return;
  }
  const node = card();
  host.append(node);
  node.querySelector(focus)?.focus();
  scrollToEnd();
}

function onElicitation(event) {
  const sessionId = state.sessionId;
  const elicitationId = event.data.elicitation_id;
  onPending(event, {
    id: { attribute: 'elicitation', value: elicitationId },
    host: event.turn_id ? turnView(event.turn_id).extras : ui.messages,
    card: () => elicitationCard(event.data, (answer) => state.transport.answer(sessionId, elicitationId, answer)),
    outcome: elicitationOutcome,
    focus: 'input, select, button',
  });
}

function onApproval(event) {
  const sessionId = state.sessionId;
  const approvalId = event.data.approval_id;
  onPending(event, {
    id: { attribute: 'approval', value: approvalId },
    // A call from a tool's view between turns belongs to no turn.
    host: event.turn_id ? turnView(event.turn_id).extras : ui.messages,
    card: () => approvalCard(event.data, (answer) => state.transport.approve(sessionId, approvalId, answer)),
    outcome: approvalOutcome,
    focus: 'button',
  });
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
  return me;
}

async function signOut() {
  forget();
  state.transport.stop();
  rememberSession(undefined);
  state.turns.clear();
  ui.messages.replaceChildren();
  ui.sessions.replaceChildren();
  showWho({ auth_enabled: true, principal: '' });
  await signIn('Signed out. Sign in again with a key or token.');
  startTransport(ui.transport.value);
  await open(undefined).catch(showFailure);
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

/** Opens a session (a new one without id) and draws its history. */
async function open(sessionId) {
  if (state.sessionId && state.sessionId !== sessionId) {
    state.transport.leave(state.sessionId);
  }
  state.turns.clear();
  state.lastEventId = 0;
  ui.messages.replaceChildren();
  notify();
  state.sessionId = sessionId;
  const joined = await join(sessionId);
  const earlier = typeof joined.next_before === 'number' ? [earlierButton(joined.session_id, joined.next_before)] : [];
  ui.messages.append(...earlier, ...historyNodes(joined.messages ?? []));
  scrollToEnd();
  void refreshSidebar();
}

/** The history comes a page at a time: this button at its top puts the page before it in its place. */
function earlierButton(sessionId, before) {
  const item = document.createElement('li');
  item.className = 'earlier';
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Show earlier messages';
  button.addEventListener('click', () => {
    button.disabled = true;
    void http('GET', `/api/v3/sessions/${encodeURIComponent(sessionId)}/messages?before=${before}`)
      .then((page) => {
        const more = typeof page.next_before === 'number' ? [earlierButton(sessionId, page.next_before)] : [];
        item.replaceWith(...more, ...historyNodes(page.messages));
      })
      .catch((error) => {
        button.disabled = false;
        showFailure(error);
      });
  });
  item.append(button);
  return item;
}

/** After a reconnect: resume the session where the stream stopped, or say it is gone. */
async function resume() {
  if (!state.sessionId) {
    return;
  }
  try {
    await join(state.sessionId);
    notify();
  } catch (error) {
    if (error instanceof ServerError && error.code === 'SESSION_NOT_FOUND') {
      sessionLost();
      return;
    }
    notify(`Could not resume the session: ${error.message}`);
  }
}

/** The SSE stream was refused or lost for good: open it again, backing off, unless the session is gone. */
async function streamClosed(attempt = 0) {
  if (!state.sessionId) {
    return;
  }
  setConnection('reconnecting');
  try {
    await join(state.sessionId);
    setConnection('connected');
    notify();
  } catch (error) {
    if (error instanceof ServerError && error.code === 'SESSION_NOT_FOUND') {
      sessionLost();
      setConnection('connected');
      return;
    }
    if (error instanceof ServerError && error.code === 'STREAM_FAILED') {
      // The stream may have been refused for an expired credential: asking the server says so (and asks anew).
      await http('GET', '/api/v3/me').catch(() => undefined);
    }
    setTimeout(() => void streamClosed(attempt + 1), Math.min(1000 * 2 ** attempt, 15_000));
  }
}

function sessionLost() {
  rememberSession(undefined);
  setStatus('IDLE');
  notify(
    'The server no longer has this session (it restarted or the session expired). The conversation stays on screen; your next message starts a new chat.',
  );
}

async function refreshSessions() {
  const { sessions } = await http('GET', '/api/v3/sessions');
  sessions.sort((a, b) => b.last_active_at.localeCompare(a.last_active_at));
  ui.sessions.replaceChildren(
    ...sessions.map((session) => {
      const button = document.createElement('button');
      const when = new Date(session.last_active_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      button.append(session.title ?? 'New chat');
      const meta = document.createElement('small');
      meta.textContent = `${when} · ${session.message_count} messages · ${session.status}`;
      button.append(meta);
      button.setAttribute('aria-current', String(session.session_id === state.sessionId));
      button.addEventListener('click', () => {
        closeSidebar();
        void open(session.session_id).catch(showFailure);
      });
      const item = document.createElement('li');
      item.append(button);
      return item;
    }),
  );
}

/** A link that sends this tab to the server's authorization page; it comes back here when done. */
function connectLink(url) {
  const link = document.createElement('a');
  link.className = 'connect';
  link.href = url;
  link.textContent = 'Connect';
  link.title = 'This server asks you to authorize it';
  return link;
}

async function refreshServers() {
  const [{ servers }, { pending }] = await Promise.all([
    http('GET', '/api/v3/mcp/servers'),
    http('GET', '/api/v3/mcp/oauth/pending'),
  ]);
  const authorizations = new Map(pending.map((entry) => [entry.server, entry.authorization_url]));
  ui.servers.replaceChildren(
    ...servers.map((server) => {
      const pill = document.createElement('span');
      pill.className = 'pill';
      pill.dataset.state = server.status;
      pill.textContent = server.status;
      const name = document.createElement('strong');
      name.textContent = server.name;
      const summary = document.createElement('summary');
      summary.append(name, pill);
      if (authorizations.has(server.name)) {
        summary.append(connectLink(authorizations.get(server.name)));
      }
      const tools = document.createElement('ul');
      tools.className = 'tools';
      for (const tool of server.tools) {
        const item = document.createElement('li');
        item.textContent = tool.name;
        item.title = tool.description;
        tools.append(item);
      }
      if (server.tools.length === 0) {
        const item = document.createElement('li');
        item.textContent = server.last_error ?? 'tools are listed once a chat has started it';
        tools.append(item);
      }
      const details = document.createElement('details');
      details.append(summary, tools);
      const item = document.createElement('li');
      item.dataset.server = server.name;
      item.append(details);
      return item;
    }),
  );
}

async function refreshSidebar() {
  await Promise.all([refreshSessions(), refreshServers()]).catch(() => undefined);
}

// ---- sending ----------------------------------------------------------------------------------

function showFailure(error) {
  const code = error instanceof ServerError ? error.code : 'CLIENT_ERROR';
  append(errorCard(code, error.message));
  scrollToEnd();
}

async function send() {
  const content = ui.input.value.trim();
  if (!content) {
    return;
  }
  ui.input.value = '';
  autosize();
  await sendText(content);
}

/** Sends as the user: what they typed, or what a tool's view sends on their behalf. Whether it was accepted. */
async function sendText(content) {
  append(userMessage(content));
  scrollToEnd();
  try {
    if (!state.sessionId) {
      await join(undefined);
    }
    await state.transport.send(state.sessionId, content);
    return true;
  } catch (error) {
    if (error instanceof ServerError && error.code === 'SESSION_NOT_FOUND') {
      sessionLost();
    }
    showFailure(error);
    return false;
  }
}

setViewHost({
  sendMessage: async (text) => {
    if (!(await sendText(text))) {
      throw new Error('The message was not sent');
    }
  },
});

async function stop() {
  if (state.sessionId) {
    await state.transport.cancel(state.sessionId).catch(showFailure);
  }
}

function autosize() {
  ui.input.style.height = 'auto';
  ui.input.style.height = `${Math.min(ui.input.scrollHeight, 192)}px`;
}

// ---- transports -------------------------------------------------------------------------------

function onConnection(value) {
  setConnection(value);
  if (value === 'connected') {
    const reconnected = state.everConnected;
    state.everConnected = true;
    if (reconnected) {
      void resume();
      void refreshSidebar();
    }
  }
}

function startTransport(kind) {
  state.transport?.stop();
  state.everConnected = false;
  const events = { onEvent, onConnection, onLost: () => void streamClosed() };
  state.transport = kind === 'sse' ? new SseTransport(events) : new SocketTransport(events);
  localStorage.setItem(STORAGE.transport, kind);
  ui.transport.value = kind;
  state.transport.start();
}

function closeSidebar() {
  ui.sidebar.classList.remove('open');
  ui.menu.setAttribute('aria-expanded', 'false');
}

function wire() {
  ui.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    void send();
  });
  ui.input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void send();
    } else if (event.key === 'Escape' && !ui.stop.disabled) {
      void stop();
    }
  });
  ui.input.addEventListener('input', autosize);
  ui.stop.addEventListener('click', () => void stop());
  ui.signOut.addEventListener('click', () => void signOut());
  ui.newChat.addEventListener('click', () => {
    closeSidebar();
    void open(undefined).catch(showFailure);
    ui.input.focus();
  });
  ui.menu.addEventListener('click', () => {
    const open = ui.sidebar.classList.toggle('open');
    ui.menu.setAttribute('aria-expanded', String(open));
  });
  ui.transport.addEventListener('change', () => {
    startTransport(ui.transport.value);
    void open(state.sessionId)
      .catch(() => open(undefined))
      .catch(showFailure);
  });
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
  try {
    await open(state.sessionId);
  } catch (error) {
    if (error instanceof ServerError && error.code === 'SESSION_NOT_FOUND') {
      // The remembered session is gone (server restart, expiry): start afresh.
      await open(undefined).catch(showFailure);
    } else {
      showFailure(error);
    }
  }
  authorizationOutcome();
  ui.input.focus();
}

void main();
