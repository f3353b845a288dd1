import type { Logger } from '@nestjs/common';
import type { Client, McpSubscription, Tool } from '@modelcontextprotocol/client';
import { setTimeout as delay } from 'node:timers/promises';

const RELISTEN_BASE_MS = 1000;
const RELISTEN_MAX_MS = 30_000;

type OnChanged = (error: Error | null, tools: Tool[] | null) => void;

/**
 * Tool list changes on the 2026-07-28 revision, which come only on a subscriptions/listen stream
 * the client opened. The SDK opens one at connect, but not when it connects from a remembered era
 * verdict: then it is opened here. When the server ends it or the stream drops while the
 * connection lives, it is opened again (with backoff) and the tool list is read afresh, for the
 * changes made meanwhile. On the 2025-11-25 revision changes arrive unasked, and nothing is done.
 */
export class ListChanges {
  private subscription?: McpSubscription;
  private readonly stopped = new AbortController();

  constructor(
    private readonly client: Client,
    private readonly logger: Logger,
    private readonly alive: () => boolean,
    private readonly onChanged: OnChanged,
  ) {}

  async start(options: { timeout: number; signal: AbortSignal }): Promise<void> {
    if (this.client.getProtocolEra() !== 'modern' || !this.client.getServerCapabilities()?.tools?.listChanged) {
      return;
    }
    this.watch(this.client.autoOpenedSubscription ?? (await this.listen(options)));
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    await this.subscription?.close().catch(() => undefined);
  }

  private listen(options: { timeout: number; signal: AbortSignal }): Promise<McpSubscription> {
    return this.client.listen({ toolsListChanged: true }, options);
  }

  private watch(subscription: McpSubscription): void {
    this.subscription = subscription;
    void subscription.closed.then((how) => {
      if (how !== 'local' && this.wanted) {
        this.logger.debug(`The subscriptions/listen stream ended (${how}); opening it again`);
        void this.listenAgain();
      }
    });
  }

  private get wanted(): boolean {
    return !this.stopped.signal.aborted && this.alive();
  }

  private async listenAgain(): Promise<void> {
    for (let attempt = 0; this.wanted; attempt++) {
      const wait = Math.min(RELISTEN_BASE_MS * 2 ** attempt, RELISTEN_MAX_MS);
      await delay(wait, undefined, { signal: this.stopped.signal }).catch(() => undefined);
      if (!this.wanted) {
        return;
      }
      try {
        this.watch(await this.listen({ timeout: RELISTEN_MAX_MS, signal: this.stopped.signal }));
        const { tools } = await this.client.listTools(undefined, { cacheMode: 'refresh' });
        this.onChanged(null, tools);
        return;
      } catch (error) {
        this.logger.warn(`Opening subscriptions/listen again failed: ${(error as Error).message}`);
      }
    }
  }
}
