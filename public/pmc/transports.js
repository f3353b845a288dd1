// The two ways to reach the server: socket.io on /chat, or Server-Sent Events plus REST. Both give
// the app the same stream of event envelopes and the same calls. Every call carries the tab's
// credential; one the server refuses (401, an expired token) waits for a new one and is sent again.

import { authHeaders, credential } from './auth.js';
import { EVENT_TYPES } from './contract.js';

/** An error the server answered, with its code. */
export class ServerError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

let signIn;

/** What to do when the server refuses the credential: resolves once the user gave a new one. */
export function onUnauthorized(handler) {
  signIn = handler;
}

export async function http(method, path, body, { retry = true } = {}) {
  // The server takes state-changing requests only as JSON, with or without a body.
  const response = await fetch(path, {
    method,
    headers: { ...authHeaders(), ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (response.status === 401 && retry && signIn) {
    await signIn(answer.error?.message);
    return http(method, path, body, { retry: false });
  }
  if (!response.ok) {
    throw new ServerError(
      answer.error?.code ?? 'HTTP_' + response.status,
      answer.error?.message ?? response.statusText,
    );
  }
  return answer;
}

/** A tool result's file (an image, audio), fetched with the tab's credential, as a blob: URL. */
export async function artifactUrl(path) {
  const response = await fetch(path, { headers: authHeaders() });
  if (!response.ok) {
    throw new ServerError('HTTP_' + response.status, response.status === 404 ? 'expired' : response.statusText);
  }
  return URL.createObjectURL(await response.blob());
}

function acked(answer) {
  if (answer?.error) {
    throw new ServerError(answer.error.code, answer.error.message);
  }
  return answer;
}

/** socket.io: reconnects by itself; the app re-joins with the last event id it saw. */
export class SocketTransport {
  name = 'socket.io';

  constructor({ onEvent, onConnection }) {
    this.onEvent = onEvent;
    this.onConnection = onConnection;
  }

  start() {
    // A function: each (re)connection hands over the credential the tab has then.
    this.socket = window.io('/chat', {
      transports: ['websocket', 'polling'],
      auth: (send) => send({ token: credential() ?? '' }),
    });
    this.socket.on('connect', () => this.onConnection('connected'));
    this.socket.on('disconnect', (reason) => {
      this.onConnection('reconnecting');
      // The server closed it: its token expired, or it is shutting down. Check, then connect again.
      if (reason === 'io server disconnect') {
        void http('GET', '/api/v3/me')
          .catch(() => undefined)
          .then(() => this.socket.connect());
      }
    });
    this.socket.on('connect_error', (error) => {
      this.onConnection('reconnecting');
      if (error.message.startsWith('UNAUTHORIZED') && signIn) {
        void signIn(error.data?.error?.message).then(() => this.socket.connect());
      }
    });
    for (const type of EVENT_TYPES) {
      this.socket.on(type, (event) => this.onEvent(event));
    }
  }

  /** An acknowledged event; refused for the credential, it waits for a new one and goes again. */
  async ask(event, body) {
    const answer = await this.socket.emitWithAck(event, body);
    if (answer?.error?.code === 'UNAUTHORIZED' && signIn) {
      await signIn(answer.error.message);
      // The connection keeps the credential of its handshake: a new one needs a new connection.
      this.socket.disconnect().connect();
      await new Promise((resolve) => this.socket.once('connect', resolve));
      return acked(await this.socket.emitWithAck(event, body));
    }
    return acked(answer);
  }

  stop() {
    this.socket?.disconnect();
  }

  join(sessionId, lastEventId) {
    const body = sessionId ? { session_id: sessionId, ...(lastEventId ? { last_event_id: lastEventId } : {}) } : {};
    return this.ask('join_chat', body);
  }

  leave(sessionId) {
    this.socket.emit('leave_chat', { session_id: sessionId });
  }

  /** options: replace_last, attachments. */
  send(sessionId, content, options = {}) {
    return this.ask('chat_message', { session_id: sessionId, content, ...options });
  }

  cancel(sessionId) {
    return this.ask('cancel', { session_id: sessionId });
  }

  answer(sessionId, elicitationId, answer) {
    return this.ask('elicitation_response', { session_id: sessionId, elicitation_id: elicitationId, ...answer });
  }

  approve(sessionId, approvalId, answer) {
    return this.ask('approval_response', { session_id: sessionId, approval_id: approvalId, ...answer });
  }
}

/** SSE: GET /api/v3/chat/stream for events (EventSource resumes with Last-Event-ID), REST for the rest. */
export class SseTransport {
  name = 'SSE';

  constructor({ onEvent, onConnection, onLost }) {
    this.onEvent = onEvent;
    this.onConnection = onConnection;
    this.onLost = onLost;
  }

  start() {
    this.onConnection('connected');
  }

  stop() {
    this.source?.close();
  }

  async join(sessionId) {
    this.source?.close();
    const detail = sessionId ? await http('GET', `/api/v3/sessions/${encodeURIComponent(sessionId)}`) : undefined;
    // EventSource sends no headers: the credential goes in the query, which the server never logs.
    const params = new URLSearchParams({
      ...(sessionId ? { session_id: sessionId } : {}),
      // The turn the detail says is running is replayed, even if it ends before the stream opens.
      ...(detail?.running_turn ? { from_turn: detail.running_turn.turn_id } : {}),
      ...(credential() ? { access_token: credential() } : {}),
    });
    const source = new EventSource(`/api/v3/chat/stream${params.size ? `?${params}` : ''}`);
    this.source = source;
    const first = new Promise((resolve, reject) => {
      source.addEventListener('session_start', (message) => resolve(JSON.parse(message.data)), { once: true });
      source.onerror = (event) => {
        if (typeof event.data !== 'string') {
          reject(new ServerError('STREAM_FAILED', 'The event stream could not be opened'));
        }
      };
    });
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (message) => {
        // EventSource fires "error" for its own connection problems too; those carry no data.
        if (typeof message.data === 'string') {
          this.onEvent(JSON.parse(message.data));
        }
      });
    }
    let start;
    try {
      start = await first;
    } catch (error) {
      // Left open, EventSource would keep retrying on its own, beside the caller's retry.
      source.close();
      throw error;
    }
    source.onopen = () => this.onConnection('connected');
    source.onerror = (event) => {
      // A server-sent `event: error` (a turn's error) arrives here too, with data: it is no
      // connection problem, and the listener above has handled it.
      if (typeof event.data === 'string') {
        return;
      }
      // CLOSED: the server refused the stream (the session is gone); otherwise the browser retries.
      if (source.readyState === EventSource.CLOSED) {
        this.onLost();
      } else {
        this.onConnection('reconnecting');
      }
    };
    // The same answer as socket.io's join: the session, its latest history and its pending turns.
    return (
      detail ?? {
        session_id: start.session_id,
        status: start.data.status,
        title: null,
        disabled_tools: [],
        model: null,
        messages: [],
        next_before: null,
        running_turn: null,
        queued_turns: [],
      }
    );
  }

  leave() {
    this.source?.close();
  }

  /**
   * With no stream open, only polling tells when a server that is shutting down is back: it counts
   * as back once it has been seen gone, or after it kept answering for ten seconds.
   */
  async awaitServer() {
    this.onConnection('reconnecting');
    const since = Date.now();
    let seenGone = false;
    for (let delay = 250; ; delay = Math.min(delay * 2, 4000)) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      const up = await fetch('/health/live')
        .then((response) => response.ok)
        .catch(() => false);
      seenGone ||= !up;
      if (up && (seenGone || Date.now() - since > 10_000)) {
        this.onConnection('connected');
        return;
      }
    }
  }

  send(sessionId, content, options = {}) {
    return http('POST', '/api/v3/chat/send', { session_id: sessionId, message: content, ...options });
  }

  cancel(sessionId) {
    return http('POST', `/api/v3/sessions/${encodeURIComponent(sessionId)}/cancel`);
  }

  answer(sessionId, elicitationId, answer) {
    return http(
      'POST',
      `/api/v3/sessions/${encodeURIComponent(sessionId)}/elicitations/${encodeURIComponent(elicitationId)}`,
      answer,
    );
  }

  approve(sessionId, approvalId, answer) {
    return http(
      'POST',
      `/api/v3/sessions/${encodeURIComponent(sessionId)}/approvals/${encodeURIComponent(approvalId)}`,
      answer,
    );
  }
}
