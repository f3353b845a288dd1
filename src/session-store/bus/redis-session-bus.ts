import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

import { AppException } from '../../common/errors';
import { ErrorCode } from '../../contract/error-code';
import type { ErrorBody } from '../../contract/error-code';
import { storeCall } from '../../redis/redis-script';
import type { RedisService } from '../../redis/redis.service';
import { NodeUnreachable, SessionBus } from './session-bus';
import type { NodeStats, SessionSignal, SignalHandler } from './session-bus';

type Envelope =
  | { signal: SessionSignal; reply_to?: { node: string; id: string } }
  | { reply: string; value?: unknown; error?: ErrorBody['error'] };

/** The message that tells a node to run a session's queue (the Redis store sends it from its enqueue script). */
export const runSignal = (sessionId: string): string =>
  JSON.stringify({ signal: { kind: 'run', session_id: sessionId } } satisfies Envelope);

interface Waiting {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Signals over Redis pub/sub, one channel per node; node reports in one hash, stale ones pruned. */
export class RedisSessionBus extends SessionBus {
  private readonly logger = new Logger(RedisSessionBus.name);
  private readonly waiting = new Map<string, Waiting>();
  private handler?: SignalHandler;

  /** staleMs: a node whose last report is older is taken for gone. */
  constructor(
    private readonly redis: RedisService,
    private readonly node: string,
    private readonly staleMs: number,
  ) {
    super();
  }

  async listen(handler: SignalHandler, subscribed?: () => void): Promise<void> {
    this.handler = handler;
    const channel = this.redis.keys.nodeChannel(this.node);
    const subscriber = this.redis.subscriber;
    subscriber.on('smessage', (from: string, message: string) => {
      if (from === channel) {
        this.received(JSON.parse(message) as Envelope);
      }
    });
    // Not awaited: with Redis away at start-up, the subscription is made when it comes back. After a
    // reconnection ioredis subscribes again; this SSUBSCRIBE, queued behind its own, answers once the
    // channel is live again, and from then on no signal is lost.
    const subscribe = () =>
      subscriber
        .ssubscribe(channel)
        .then(() => subscribed?.())
        .catch((error: Error) => this.logger.error(`Listening on ${channel} failed: ${error.message}`));
    subscriber.on('ready', () => void subscribe());
    if (subscriber.status !== 'ready') {
      return;
    }
    void subscribe();
  }

  async send(node: string, signal: SessionSignal): Promise<void> {
    await this.publish(node, { signal });
  }

  request<T>(node: string, signal: SessionSignal, timeoutMs: number): Promise<T> {
    const id = randomUUID();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new NodeUnreachable(node));
      }, timeoutMs);
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.publish(node, { signal, reply_to: { node: this.node, id } }).catch((error: Error) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        reject(error);
      });
    });
  }

  async report(stats: NodeStats): Promise<void> {
    await storeCall(this.redis.commands.hset(this.redis.keys.nodes(), stats.node, JSON.stringify(stats)));
  }

  async nodes(): Promise<NodeStats[]> {
    const reports = await storeCall(this.redis.commands.hgetall(this.redis.keys.nodes()));
    const cutoff = Date.now() - this.staleMs;
    const all = Object.values(reports).map((report) => JSON.parse(report) as NodeStats);
    const stale = all.filter((stats) => stats.at < cutoff).map((stats) => stats.node);
    if (stale.length > 0) {
      await storeCall(this.redis.commands.hdel(this.redis.keys.nodes(), ...stale));
    }
    return all.filter((stats) => stats.at >= cutoff);
  }

  private async publish(node: string, envelope: Envelope): Promise<void> {
    const receivers = Number(
      await storeCall(this.redis.commands.spublish(this.redis.keys.nodeChannel(node), JSON.stringify(envelope))),
    );
    if (receivers === 0 && 'signal' in envelope) {
      throw new NodeUnreachable(node);
    }
  }

  private received(envelope: Envelope): void {
    if ('reply' in envelope) {
      const waiting = this.waiting.get(envelope.reply);
      if (waiting) {
        this.waiting.delete(envelope.reply);
        clearTimeout(waiting.timer);
        if (envelope.error) {
          waiting.reject(new AppException(envelope.error.code, envelope.error.message));
        } else {
          waiting.resolve(envelope.value);
        }
      }
      return;
    }
    void this.handle(envelope.signal, envelope.reply_to);
  }

  private async handle(signal: SessionSignal, replyTo?: { node: string; id: string }): Promise<void> {
    let reply: Envelope;
    try {
      const value = await (this.handler as SignalHandler)(signal);
      reply = { reply: replyTo?.id ?? '', value };
    } catch (error) {
      const failure =
        error instanceof AppException ? error : new AppException(ErrorCode.INTERNAL, (error as Error).message);
      if (!(error instanceof AppException)) {
        this.logger.error(`Signal ${signal.kind} for session ${signal.session_id} failed`, (error as Error).stack);
      }
      reply = { reply: replyTo?.id ?? '', error: failure.toBody().error };
    }
    if (replyTo) {
      await this.publish(replyTo.node, reply).catch((error: Error) =>
        this.logger.warn(`Reply to node ${replyTo.node} failed: ${error.message}`),
      );
    }
  }
}
