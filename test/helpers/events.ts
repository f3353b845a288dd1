import { EventSource } from 'eventsource';
import type { Socket } from 'socket.io-client';
import { io } from 'socket.io-client';

import { EVENT_TYPES } from '../../src/contract/events';
import type { EventType, StreamEvent, StreamEventOf } from '../../src/contract/events';

// Every type of the wire contract, from its one declaration.

/** Collects a client's events in arrival order and waits for the ones a test expects. */
export class EventRecorder {
  readonly events: StreamEvent[] = [];
  private waiters: Array<{ match: (e: StreamEvent) => boolean; resolve: (e: StreamEvent) => void }> = [];

  push(event: StreamEvent): void {
    this.events.push(event);
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.match(event)) {
        waiter.resolve(event);
        return false;
      }
      return true;
    });
  }

  /** The first event (already seen or still to come) that matches. */
  waitFor(match: (event: StreamEvent) => boolean, what = 'event', timeoutMs = 20_000): Promise<StreamEvent> {
    const seen = this.events.find(match);
    if (seen) {
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const types = this.events.map((e) => e.type).join(', ');
        reject(new Error(`Timed out waiting for ${what}; received: ${types}`));
      }, timeoutMs);
      this.waiters.push({
        match,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      });
    });
  }

  /** The turn's last event: its final_response or error (errors naming a server are notices, not the end). */
  turnEnd(turnId: string, timeoutMs?: number): Promise<StreamEvent> {
    return this.waitFor(
      (e) =>
        e.turn_id === turnId && (e.type === 'final_response' || (e.type === 'error' && e.data.server === undefined)),
      `end of turn ${turnId}`,
      timeoutMs,
    );
  }

  ofTurn(turnId: string, types: EventType[] = EVENT_TYPES): StreamEvent[] {
    return this.events.filter((e) => e.turn_id === turnId && types.includes(e.type));
  }
}

export interface SocketClient {
  socket: Socket;
  recorder: EventRecorder;
  heartbeats: number;
}

/** A socket.io client on /chat (with `token` in the handshake when given), once connected. */
export async function connectSocket(url: string, token?: string): Promise<SocketClient> {
  const socket = io(`${url}/chat`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...(token === undefined ? {} : { auth: { token } }),
  });
  const client: SocketClient = { socket, recorder: new EventRecorder(), heartbeats: 0 };
  for (const type of EVENT_TYPES) {
    socket.on(type, (event: StreamEvent) => client.recorder.push(event));
  }
  socket.on('heartbeat', () => client.heartbeats++);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return client;
}

export interface SseClient {
  source: EventSource;
  recorder: EventRecorder;
  heartbeats: number;
  close(): void;
}

/**
 * An EventSource on the stream (with `token` as ?access_token=, as a browser must send it, and any
 * `extra` query parameters); resolves once session_start (or the first replayed event) arrived.
 */
export async function connectSse(
  url: string,
  sessionId?: string,
  headers: Record<string, string> = {},
  token?: string,
  extra: Record<string, string> = {},
): Promise<SseClient> {
  const params = new URLSearchParams({
    ...(sessionId ? { session_id: sessionId } : {}),
    ...(token ? { access_token: token } : {}),
    ...extra,
  });
  const query = params.size > 0 ? `?${params}` : '';
  const source = new EventSource(`${url}/api/v3/chat/stream${query}`, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }),
  });
  const client: SseClient = { source, recorder: new EventRecorder(), heartbeats: 0, close: () => source.close() };
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (message) => {
      // EventSource also fires "error" for its own connection errors; those carry no data.
      if (typeof message.data === 'string') {
        client.recorder.push(JSON.parse(message.data) as StreamEvent);
      }
    });
  }
  source.addEventListener('heartbeat', () => client.heartbeats++);
  await new Promise<void>((resolve, reject) => {
    source.onopen = () => resolve();
    source.onerror = (error) => reject(new Error(`SSE failed: ${error.message ?? error.code}`));
  });
  return client;
}

export interface FinishedTurn {
  sessionId: string;
  turnId: string;
  /** The turn's final_response or error. */
  end: StreamEvent;
}

/** Joins a session (a new one without sessionId), sends one message and waits for the turn to end. */
export async function runSocketTurn(client: SocketClient, content: string, sessionId?: string): Promise<FinishedTurn> {
  const joined = (await client.socket.emitWithAck('join_chat', sessionId ? { session_id: sessionId } : {})) as {
    session_id: string;
  };
  const ack = (await client.socket.emitWithAck('chat_message', { session_id: joined.session_id, content })) as {
    turn_id?: string;
    error?: { code: string; message: string };
  };
  if (!ack.turn_id) {
    throw new Error(`message refused: ${ack.error?.code} ${ack.error?.message}`);
  }
  return { sessionId: joined.session_id, turnId: ack.turn_id, end: await client.recorder.turnEnd(ack.turn_id) };
}

/** Sends a message in the session over socket.io; resolves with its turn id. */
export async function sendMessage(client: SocketClient, sessionId: string, content: string): Promise<string> {
  const ack = (await client.socket.emitWithAck('chat_message', { session_id: sessionId, content })) as {
    turn_id: string;
  };
  return ack.turn_id;
}

/** The turn's tool_call events, as the client received them. */
export const toolCallsOf = (client: SocketClient, turnId: string) =>
  client.recorder.ofTurn(turnId, ['tool_call']) as Array<StreamEventOf<'tool_call'>>;
