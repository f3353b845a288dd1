import { Injectable } from '@nestjs/common';

import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { NodeUnreachable, SessionBus } from '../session-store/bus/session-bus';
import type { SessionSignal } from '../session-store/bus/session-bus';
import { TurnSignals } from '../turns/turn-signals';

// Longest wait for the node holding a session to answer a request about it.
const NODE_REQUEST_MS = 5000;

/** Asks the node that holds a session for something only it can do: this node, or another over the bus. */
@Injectable()
export class SessionHolder {
  constructor(
    private readonly signals: TurnSignals,
    private readonly bus: SessionBus,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /** The holder's answer; with no holder (or one that does not answer), `locally` does it here. */
  async ask<T>(
    node: string | undefined,
    signal: SessionSignal,
    locally: () => Promise<T> | T,
    timeoutMs = NODE_REQUEST_MS,
  ): Promise<T> {
    if (!node || node === this.config.NODE_ID) {
      return node === this.config.NODE_ID ? ((await this.signals.handle(signal)) as T) : locally();
    }
    try {
      return await this.bus.request<T>(node, signal, timeoutMs);
    } catch (error) {
      if (error instanceof NodeUnreachable) {
        return locally();
      }
      throw error;
    }
  }
}
