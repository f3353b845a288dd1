import { SessionBus, NodeUnreachable } from './session-bus';
import type { NodeStats, SessionSignal, SignalHandler } from './session-bus';

/** One node: a signal can only be for this node, and is handled in place. */
export class MemorySessionBus extends SessionBus {
  private handler?: SignalHandler;
  private stats?: NodeStats;

  constructor(private readonly node: string) {
    super();
  }

  async listen(handler: SignalHandler): Promise<void> {
    // Signals are calls in this process: none is ever lost, so there is nothing to look at again.
    this.handler = handler;
  }

  async send(node: string, signal: SessionSignal): Promise<void> {
    await this.request(node, signal, 0);
  }

  async request<T>(node: string, signal: SessionSignal, _timeoutMs?: number): Promise<T> {
    if (node !== this.node || !this.handler) {
      throw new NodeUnreachable(node);
    }
    return (await this.handler(signal)) as T;
  }

  async report(stats: NodeStats): Promise<void> {
    this.stats = stats;
  }

  async nodes(): Promise<NodeStats[]> {
    return this.stats ? [this.stats] : [];
  }
}
