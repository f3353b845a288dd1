import { Injectable, Logger } from '@nestjs/common';
import { Subscription } from 'rxjs';
import type { Socket } from 'socket.io';

import type { Principal } from '../auth/principal';
import type { AppException } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import type { StreamEvent } from '../contract/events';
import { SessionsService } from '../sessions/sessions.service';
import { behindReason, EventOutbox } from './event-outbox';
import type { SendBacklog } from './send-backlog';
import { batchTick, dropConnection } from './socket-backlog';
import { streamLost } from './stream-lost';

/** What the gateway keeps on each socket (`socket.data`). */
export interface SocketState {
  /** Who connected, from the handshake's `auth: {token}`. */
  principal: Principal;
  /** Disconnects the socket when its token expires. */
  expiry?: NodeJS.Timeout;
  /** The sessions it follows. */
  subscriptions: Map<string, Subscription>;
  /** What engine.io holds for it, not yet written to its socket. */
  backlog: SendBacklog;
  /** Drops it once it holds unsent bytes with no progress for STREAM_STALL_MS. */
  stallWatch?: Subscription;
  /** The client's address (TRUST_PROXY applies), for the rate limit it shares with its other connections. */
  address: string;
}

export const stateOf = (client: Socket): SocketState => client.data as SocketState;

/**
 * The sessions a socket follows: each session's feed written to the socket at its pace, at most
 * once per socket and session; a socket too far behind is dropped (it resumes with last_event_id).
 */
@Injectable()
export class SocketFeeds {
  private readonly logger = new Logger(SocketFeeds.name);

  constructor(
    private readonly sessions: SessionsService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /** Streams the session's events to this socket, from after `afterId` (the running turn `fromTurn` replayed). */
  async follow(client: Socket, sessionId: string, afterId?: number, fromTurn?: string): Promise<void> {
    const { subscriptions, backlog, principal } = stateOf(client);
    if (subscriptions.has(sessionId)) {
      return;
    }
    // Taken before the feed is awaited, so a second message does not subscribe twice.
    const subscription = new Subscription();
    subscriptions.set(sessionId, subscription);
    try {
      const feed = await this.sessions.feed(principal, sessionId, afterId, fromTurn);
      let lastId = afterId ?? 0;
      const outbox = new EventOutbox<StreamEvent>(
        backlog,
        this.config.STREAM_MAX_BUFFER_BYTES,
        (event) => {
          lastId = event.id;
          batchTick(client);
          client.emit(event.type, event);
        },
        (event) => Buffer.byteLength(JSON.stringify(event)),
        (bytes) => this.drop(client, behindReason(bytes, this.config.STREAM_MAX_BUFFER_BYTES)),
      );
      subscription.add(() => outbox.close());
      outbox.start(feed.backlog);
      // Added to a subscription that the socket's disconnect has closed meanwhile, it ends at once.
      subscription.add(
        feed.live.subscribe({
          next: (event) => outbox.push(event),
          complete: () => {
            subscriptions.delete(sessionId);
            outbox.finish(() => subscription.unsubscribe());
          },
          error: (error: AppException) => {
            // The client rejoins with last_event_id once the store is back.
            this.logger.warn(`Stream of session ${sessionId} to socket ${client.id} broke: ${error.message}`);
            subscriptions.delete(sessionId);
            outbox.finish(() => {
              client.emit('error', streamLost(sessionId, lastId, error));
              subscription.unsubscribe();
            });
          },
        }),
      );
    } catch (error) {
      subscriptions.delete(sessionId);
      subscription.unsubscribe();
      throw error;
    }
  }

  /** Stops following one session; false when the socket did not follow it. */
  leave(client: Socket, sessionId: string): boolean {
    const { subscriptions } = stateOf(client);
    subscriptions.get(sessionId)?.unsubscribe();
    return subscriptions.delete(sessionId);
  }

  leaveAll(client: Socket): void {
    const { subscriptions, stallWatch } = stateOf(client);
    stallWatch?.unsubscribe();
    for (const subscription of subscriptions.values()) {
      subscription.unsubscribe();
    }
    subscriptions.clear();
  }

  /** A client too far behind, or that stopped reading: nothing more is sent to it, and it may resume with last_event_id. */
  drop(client: Socket, reason: string): void {
    this.logger.warn(`socket.io client ${client.id} (${stateOf(client).address}) dropped: ${reason}`);
    this.leaveAll(client);
    dropConnection(client, reason);
  }
}
