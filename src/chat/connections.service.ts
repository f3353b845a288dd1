import { Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Express } from 'express';
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Socket } from 'socket.io';

import type { Principal } from '../auth/principal';
import { AppException } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { authConfigured } from '../config/validate-environment';
import { ErrorCode } from '../contract/error-code';
import { RedisService } from '../redis/redis.service';
import { SessionBus } from '../session-store/bus/session-bus';
import type { NodeStats } from '../session-store/bus/session-bus';
import { SessionsService } from '../sessions/sessions.service';
import { ChatMetrics } from './chat.metrics';
import type { MessageInterface } from './chat.metrics';

const RATE_WINDOW_S = 60;

/** A function that runs `release` the first time it is called and does nothing after. */
function once(release: () => void): () => void {
  let released = false;
  return () => {
    if (!released) {
      released = true;
      release();
    }
  };
}

/**
 * Counts open connections, caps SSE streams and (with authentication) each principal's connections
 * on this node, and rate-limits messages per client address and (with
 * authentication) per principal: one bucket for all of a client's sockets, streams and requests,
 * whichever interface they use, and with Redis whichever node they reach.
 */
@Injectable()
export class ConnectionsService {
  private readonly logger = new Logger(ConnectionsService.name);
  private sockets = 0;
  private streams = 0;
  /** Open connections (socket.io and SSE) per principal id, with authentication; none left: no entry. */
  private readonly principalConnections = new Map<string, number>();
  private readonly limiter?: RateLimiterAbstract;
  private readonly perPrincipal: boolean;

  constructor(
    @InjectAppConfig() private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly sessions: SessionsService,
    private readonly bus: SessionBus,
    redis: RedisService,
    private readonly metrics: ChatMetrics,
  ) {
    metrics.connections.readFrom(() => [
      [{ transport: 'socketio' }, this.sockets],
      [{ transport: 'sse' }, this.streams],
    ]);
    // Single-user mode has one principal: its bucket would only repeat the addresses'.
    this.perPrincipal = authConfigured(config);
    if (config.RATE_LIMIT_PER_MINUTE > 0) {
      const options = { keyPrefix: 'messages', points: config.RATE_LIMIT_PER_MINUTE, duration: RATE_WINDOW_S };
      this.limiter =
        config.SESSION_STORE === 'redis'
          ? new RateLimiterRedis({
              ...options,
              storeClient: redis.commands,
              keyPrefix: redis.keys.rateLimit(),
              // While Redis is away, each node counts on its own rather than refusing every message.
              insuranceLimiter: new RateLimiterMemory(options),
            })
          : new RateLimiterMemory(options);
    }
  }

  /**
   * The client's address as Express's `request.ip` works it out (TRUST_PROXY decides whether
   * X-Forwarded-For counts), for socket.io handshakes as well as HTTP requests.
   */
  addressOf(request: IncomingMessage): string {
    const trust = this.adapterHost.httpAdapter.getInstance<Express>().get('trust proxy fn') as Parameters<
      typeof proxyaddr
    >[1];
    return proxyaddr(request, trust);
  }

  /** Counts a socket.io connection while it is open, and writes its access line when it closes. */
  socketOpened(socket: Socket, principal: Principal, address: string): void {
    this.sockets++;
    const opened = Date.now();
    socket.once('disconnect', (reason: string) => {
      this.sockets--;
      this.logger.log({
        msg: `socket.io connection closed (${reason}) after ${Date.now() - opened} ms`,
        transport: socket.conn.transport.name,
        remote: address,
        principal: principal.id,
        socket_id: socket.id,
      });
    });
  }

  /**
   * Takes a stream slot, and one of the principal's connection slots, or refuses with
   * TOO_MANY_STREAMS; call the returned function to give them back.
   */
  openStream(principal: Principal): () => void {
    if (this.streams >= this.config.SSE_MAX_CONNECTIONS) {
      throw new AppException(
        ErrorCode.TOO_MANY_STREAMS,
        `Too many SSE streams: the limit of ${this.config.SSE_MAX_CONNECTIONS} (SSE_MAX_CONNECTIONS) is reached; retry later`,
      );
    }
    const releaseConnection = this.claimConnection(principal);
    this.streams++;
    return once(() => {
      this.streams--;
      releaseConnection();
    });
  }

  /**
   * With authentication, takes one of the principal's MAX_CONNECTIONS_PER_PRINCIPAL slots on this node
   * (socket.io connections and SSE streams together), or refuses with TOO_MANY_STREAMS; call the
   * returned function to give it back. Without authentication there is one principal and no cap.
   */
  claimConnection(principal: Principal): () => void {
    if (!this.perPrincipal) {
      return () => undefined;
    }
    const max = this.config.MAX_CONNECTIONS_PER_PRINCIPAL;
    const open = this.principalConnections.get(principal.id) ?? 0;
    if (open >= max) {
      throw new AppException(
        ErrorCode.TOO_MANY_STREAMS,
        `Too many connections: ${principal.id} holds ${max} on this node (MAX_CONNECTIONS_PER_PRINCIPAL); close one (a socket.io connection or an SSE stream) and retry`,
      );
    }
    this.principalConnections.set(principal.id, open + 1);
    return once(() => {
      const left = (this.principalConnections.get(principal.id) ?? 1) - 1;
      if (left > 0) {
        this.principalConnections.set(principal.id, left);
      } else {
        this.principalConnections.delete(principal.id);
      }
    });
  }

  /** One message from a principal at a client address, over any interface; RATE_LIMITED past either limit. */
  async consumeMessage(principal: Principal, address: string, via: MessageInterface): Promise<void> {
    const limiter = this.limiter;
    if (!limiter) {
      return;
    }
    const buckets = [`address:${address}`, ...(this.perPrincipal ? [`principal:${principal.id}`] : [])];
    const outcomes = await Promise.allSettled(buckets.map((bucket) => limiter.consume(bucket)));
    const refusals = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    const unexpected = refusals.find((rejection) => !(rejection instanceof RateLimiterRes));
    if (unexpected) {
      throw unexpected;
    }
    if (refusals.length > 0) {
      this.metrics.rateLimited.inc({ interface: via });
      const wait = Math.max(...refusals.map((rejection) => (rejection as RateLimiterRes).msBeforeNext));
      throw new AppException(
        ErrorCode.RATE_LIMITED,
        `Rate limit of ${this.config.RATE_LIMIT_PER_MINUTE} messages per minute per client${this.perPrincipal ? ' and per principal' : ''} (RATE_LIMIT_PER_MINUTE) reached; retry in ${Math.ceil(wait / 1000)} s`,
      );
    }
  }

  counts() {
    return {
      node: this.config.NODE_ID,
      socketio: this.sockets,
      sse: this.streams,
      sse_max: this.config.SSE_MAX_CONNECTIONS,
      total: this.sockets + this.streams,
    };
  }

  /** This node's counts, and the totals over every live node (from their latest reports). */
  async clusterCounts() {
    const here = this.counts();
    const others = (await this.bus.nodes()).filter((stats) => stats.node !== here.node);
    const socketio = others.reduce((sum, stats) => sum + stats.socketio, here.socketio);
    const sse = others.reduce((sum, stats) => sum + stats.sse, here.sse);
    return { ...here, cluster: { nodes: others.length + 1, socketio, sse, total: socketio + sse } };
  }

  /** Tells the other nodes what this one serves; a failure is logged and the next report tries again. */
  async report(): Promise<void> {
    const stats: NodeStats = {
      node: this.config.NODE_ID,
      at: Date.now(),
      socketio: this.sockets,
      sse: this.streams,
      ...this.sessions.nodeStats(),
    };
    await this.bus.report(stats).catch((error: Error) => this.logger.debug(`Node report failed: ${error.message}`));
  }
}
