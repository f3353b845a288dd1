import { EventSource } from 'eventsource';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';

import type { StreamEvent } from '../src/contract/events';

/** Settles with the turn's last event; a turn that ends in `error` counts as a failure. */
class TurnWaiter {
  private readonly waiting = new Map<string, (event: StreamEvent) => void>();
  // A turn's end can arrive before the ack that names the turn.
  private readonly early = new Map<string, StreamEvent>();

  settle(event: StreamEvent): void {
    if (!event.turn_id || (event.type !== 'final_response' && (event.type !== 'error' || event.data.server))) {
      return;
    }
    const resolve = this.waiting.get(event.turn_id);
    if (resolve) {
      this.waiting.delete(event.turn_id);
      resolve(event);
    } else {
      this.early.set(event.turn_id, event);
    }
  }

  wait(turnId: string): Promise<StreamEvent> {
    const early = this.early.get(turnId);
    if (early) {
      this.early.delete(turnId);
      return Promise.resolve(early);
    }
    return new Promise((resolve) => this.waiting.set(turnId, resolve));
  }
}

function assertAnswered(event: StreamEvent): void {
  if (event.type !== 'final_response') {
    throw new Error(`turn failed: ${event.type === 'error' ? `${event.data.code} ${event.data.message}` : event.type}`);
  }
}

/** A socket.io client of /chat. */
export class SocketClient {
  private readonly turns = new TurnWaiter();

  private constructor(readonly socket: Socket) {
    socket.on('final_response', (event: StreamEvent) => this.turns.settle(event));
    socket.on('error', (event: StreamEvent) => this.turns.settle(event));
  }

  static async connect(url: string): Promise<SocketClient> {
    const socket = io(`${url}/chat`, { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return new SocketClient(socket);
  }

  /** Joins a session (a new one without an id); its id. */
  async newSession(sessionId?: string): Promise<string> {
    const ack = (await this.socket.emitWithAck('join_chat', sessionId ? { session_id: sessionId } : {})) as {
      session_id: string;
    };
    return ack.session_id;
  }

  /** Stops following a session (a socket follows at most SOCKET_MAX_SESSIONS). */
  async leave(sessionId: string): Promise<void> {
    if (sessionId) {
      await this.socket.emitWithAck('leave_chat', { session_id: sessionId });
    }
  }

  async turn(sessionId: string, content: string): Promise<void> {
    const ack = (await this.socket.emitWithAck('chat_message', { session_id: sessionId, content })) as {
      turn_id?: string;
      error?: { code: string; message: string };
    };
    if (!ack.turn_id) {
      throw new Error(`message refused: ${ack.error?.code} ${ack.error?.message}`);
    }
    assertAnswered(await this.turns.wait(ack.turn_id));
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** An SSE stream of one session, with messages sent by POST. */
export class SseClient {
  private readonly turns = new TurnWaiter();

  private constructor(
    private readonly url: string,
    private readonly source: EventSource,
    readonly sessionId: string,
  ) {
    for (const type of ['final_response', 'error']) {
      source.addEventListener(type, (message) => {
        if (typeof message.data === 'string') {
          this.turns.settle(JSON.parse(message.data) as StreamEvent);
        }
      });
    }
  }

  /** Opens a stream on a new session; resolves with its session_start. */
  static async open(url: string): Promise<SseClient> {
    const source = new EventSource(`${url}/api/v3/chat/stream`);
    const sessionId = await new Promise<string>((resolve, reject) => {
      source.addEventListener('session_start', (message) =>
        resolve((JSON.parse(message.data) as StreamEvent).session_id),
      );
      source.onerror = (error) => reject(new Error(`SSE failed: ${error.message ?? error.code}`));
    });
    return new SseClient(url, source, sessionId);
  }

  async turn(content: string): Promise<void> {
    const response = await fetch(`${this.url}/api/v3/chat/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session_id: this.sessionId, message: content }),
    });
    const body = (await response.json()) as { turn_id?: string; error?: { code: string; message: string } };
    if (!body.turn_id) {
      throw new Error(`message refused: ${body.error?.code} ${body.error?.message}`);
    }
    assertAnswered(await this.turns.wait(body.turn_id));
  }

  close(): void {
    this.source.close();
  }
}

/** POST /chat: one request per turn, answered when the turn ends. Returns the session id. */
export async function postChat(url: string, content: string, sessionId?: string): Promise<string> {
  const response = await fetch(`${url}/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: content, ...(sessionId ? { session_id: sessionId } : {}) }),
  });
  const body = (await response.json()) as { session_id?: string; error?: { code: string; message: string } };
  if (!response.ok || !body.session_id) {
    throw new Error(`POST /chat failed: ${response.status} ${body.error?.code} ${body.error?.message}`);
  }
  return body.session_id;
}
