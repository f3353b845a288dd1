import type { ElicitResult } from '@modelcontextprotocol/client';

import type { ApprovalAnswer } from '../contract/answers';
import type { TokenUsage } from '../contract/events';
import type { SessionStatus } from '../contract/session-status';
import type { McpSessionClients } from '../mcp/mcp-session-clients';
import type { ChatModel } from '../models/model-registry';
import type { SessionStore, StartedTurn } from '../session-store/session-store';
import type { HeldHistory } from './held-history';

export interface RunningTurn {
  turnId: string;
  controller: AbortController;
  /** Sampling requests answered in this turn, against MCP_SAMPLING_MAX_PER_TURN. */
  samplings: number;
  /** Epoch ms the turn started, or its session's records were last kept from expiring during it. */
  keptAt: number;
  /** The session's model for this turn: it answers sampling requests too. */
  model?: ChatModel;
  /** The turn's tokens so far, sampling included. */
  usage: TokenUsage;
}

export interface PendingApproval {
  settle(answer: ApprovalAnswer): void;
}

export interface PendingElicitation {
  schema: Record<string, unknown>;
  settle(result: ElicitResult): void;
}

/**
 * What the node that holds a session keeps for it beyond the store: its MCP clients, the turn it
 * is running, pending elicitations. Never serialized; gone when the session ends or moves.
 */
export class SessionRuntime {
  mcp?: McpSessionClients;
  running?: RunningTurn;
  /** The loop that runs queued turns, while one is under way. */
  draining?: Promise<void>;
  /** Asked to drain again while draining: a message came in as the loop was stopping. */
  again = false;
  /** A turn the store started already (the message found the session idle, or the last turn's end started it), for the loop to run first. */
  started?: StartedTurn;
  /** The last turn's end looked at the queue already: with nothing started, the loop asks the store again only if told of a message since. */
  queueLooked = false;
  /** The newest messages of the history, once a turn ran here: later turns ask the store for none. */
  history?: HeldHistory;
  readonly elicitations = new Map<string, PendingElicitation>();
  /** Tool calls of the running turn waiting for the user's approval, by approval id. */
  readonly approvals = new Map<string, PendingApproval>();
  /** Whether a queued turn may start here now (the node is not stopping or handing its sessions over). */
  runsNext: () => boolean = () => false;
  /** Set once the session ended or left this node: nothing more is published from here. */
  ended = false;
  private readonly leaving = new AbortController();

  constructor(
    readonly id: string,
    /** The principal that owns the session: its MCP servers run with its ${USER_ID} and ${USER_DIR}. */
    readonly owner: string,
    /** Last status published, so an unchanged one is not published again. */
    public status: SessionStatus,
  ) {}

  /** What the store did with the queue as the last turn ended: `looked` at it, and started `next` if any. */
  followedBy(looked: boolean, next?: StartedTurn): void {
    this.queueLooked = looked && !next;
    this.started = next;
  }

  /** Aborted when the session ends or leaves this node: what waits outside a turn (a view's call) stops. */
  get gone(): AbortSignal {
    return this.leaving.signal;
  }

  /** The session ended or left this node. */
  end(): void {
    this.ended = true;
    this.leaving.abort();
  }
}

/** What a node's held sessions amount to, for its report and the metrics. */
export function heldStats(runtimes: SessionRuntime[]) {
  const count = (test: (runtime: SessionRuntime) => unknown) => runtimes.filter(test).length;
  return {
    held: runtimes.length,
    processing: count((runtime) => runtime.running),
    with_mcp_clients: count((runtime) => runtime.mcp?.started),
  };
}

/** Messages queued behind the turns running in these sessions: only a session with a running turn has any. */
export async function queuedBehind(store: SessionStore, runtimes: SessionRuntime[]): Promise<number> {
  const busy = runtimes.filter((runtime) => runtime.running).map((runtime) => runtime.id);
  const records = await Promise.all(busy.map((id) => store.get(id).catch(() => undefined)));
  return records.reduce((sum, record) => sum + (record?.queued ?? 0), 0);
}
