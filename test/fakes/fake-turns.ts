import { SessionStatus } from '../../src/contract/session-status';
import type { McpClientHost } from '../../src/mcp/client/mcp-client-host';
import type { McpSessionClients } from '../../src/mcp/mcp-session-clients';
import type { McpService } from '../../src/mcp/mcp.service';
import { SessionBus } from '../../src/session-store/bus/session-bus';
import type { SessionSignal } from '../../src/session-store/bus/session-bus';
import type { NodeStats } from '../../src/session-store/bus/session-bus';
import type { SessionStore, StartedTurn } from '../../src/session-store/session-store';
import type { SessionMcpBridge } from '../../src/turns/session-mcp-bridge';
import type { SessionRuntime } from '../../src/turns/session-runtime';
import type { TurnEnd, TurnRunner } from '../../src/turns/turn-runner.service';

/** A turn the fake runner holds until the test ends it. */
export interface HeldTurn {
  runtime: SessionRuntime;
  started: StartedTurn;
  end(outcome?: TurnEnd): void;
}

/**
 * The turn runner without an agent: each turn waits until the test ends it (`next()`), or ends at
 * once when `instant`; a finished turn is ended in the store, as the real runner does. Records the
 * turns in the order they ran.
 */
export class FakeTurnRunner {
  readonly ran: string[] = [];
  instant = false;
  private readonly waiting: HeldTurn[] = [];
  private readonly watchers: Array<(turn: HeldTurn) => void> = [];

  constructor(private readonly store: SessionStore) {}

  run(runtime: SessionRuntime, started: StartedTurn): Promise<TurnEnd> {
    this.ran.push(started.turn.content);
    const finish = async (outcome: TurnEnd): Promise<TurnEnd> => {
      if (outcome === 'finished') {
        const answer = { role: 'assistant' as const, content: `answer to ${started.turn.content}` };
        const end = { messages: [{ role: 'user' as const, content: started.turn.content }, answer], at: Date.now() };
        await this.store.finishTurn(runtime.id, started.turn.turn_id, {
          ...end,
          completed: true,
          status: SessionStatus.READY,
        });
      }
      return outcome;
    };
    if (this.instant) {
      return finish('finished');
    }
    return new Promise((resolve) => {
      const held: HeldTurn = { runtime, started, end: (outcome = 'finished') => resolve(finish(outcome)) };
      runtime.running = {
        turnId: started.turn.turn_id,
        controller: new AbortController(),
        samplings: 0,
        keptAt: Date.now(),
        usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
      };
      const watcher = this.watchers.shift();
      if (watcher) {
        watcher(held);
      } else {
        this.waiting.push(held);
      }
    });
  }

  /** The next turn to start running (already running, or once it does). */
  next(): Promise<HeldTurn> {
    const held = this.waiting.shift();
    return held ? Promise.resolve(held) : new Promise((resolve) => this.watchers.push(resolve));
  }

  asRunner(): TurnRunner {
    return this as unknown as TurnRunner;
  }
}

/** The MCP layer as the worker sees it: session clients that start nothing, and what was released. */
export class FakeMcp {
  readonly sessions: string[] = [];
  readonly released: string[] = [];

  forSession(host: McpClientHost): McpSessionClients {
    this.sessions.push(host.sessionId);
    return { sessionId: host.sessionId, host, started: false } as unknown as McpSessionClients;
  }

  release(clients: McpSessionClients): Promise<void> {
    this.released.push(clients.sessionId);
    return Promise.resolve();
  }

  asService(): McpService {
    return this as unknown as McpService;
  }
}

/** The bridge as the worker uses it: a host per runtime; pending elicitations cancelled on leaving. */
export const fakeBridge = (): SessionMcpBridge =>
  ({
    hostFor: (runtime: SessionRuntime) => ({ sessionId: runtime.id, userId: runtime.owner }),
    cancelAll: () => undefined,
  }) as unknown as SessionMcpBridge;

/** A bus that records what this node sends to others. */
export class RecordingBus extends SessionBus {
  readonly sent: Array<{ node: string; signal: SessionSignal }> = [];

  listen(): Promise<void> {
    return Promise.resolve();
  }

  send(node: string, signal: SessionSignal): Promise<void> {
    this.sent.push({ node, signal });
    return Promise.resolve();
  }

  request<T>(node: string, signal: SessionSignal): Promise<T> {
    this.sent.push({ node, signal });
    return Promise.resolve(undefined as T);
  }

  report(_stats: NodeStats): Promise<void> {
    return Promise.resolve();
  }

  nodes(): Promise<NodeStats[]> {
    return Promise.resolve([]);
  }
}
