import { AppException, sessionNotFound } from '../common/errors';
import { ErrorCode } from '../contract/error-code';
import type { StreamEvent, TokenUsage } from '../contract/events';
import type { SessionFeed } from './session-feed';

export interface TurnOutcome {
  turnId: string;
  response: string;
  /** The id of the model that answered, and the turn's tokens. */
  model: string;
  usage: TokenUsage;
  /** The turn's ReAct steps: thinking, acting, tool_call and observing events, in order. */
  steps: StreamEvent[];
}

const STEP_TYPES = new Set<StreamEvent['type']>(['thinking', 'acting', 'tool_call', 'observing']);

/** True for the event that ends a turn: final_response, or an error not about one MCP server. */
export const endsTurn = (event: StreamEvent): boolean =>
  event.type === 'final_response' || (event.type === 'error' && event.data.server === undefined);

/**
 * Follows a feed (subscribed before the message is sent, so nothing is missed) until the turn that
 * `send` starts ends, wherever it runs; its error event becomes the exception.
 */
export async function awaitTurn(
  sessionId: string,
  feed: SessionFeed,
  send: () => Promise<string>,
): Promise<TurnOutcome> {
  const steps: StreamEvent[] = [];
  const early: StreamEvent[] = [];
  let turnId: string | undefined;
  let settle!: (end: StreamEvent | Error) => void;
  const ended = new Promise<StreamEvent | Error>((resolve) => (settle = resolve));
  const collect = (event: StreamEvent, id: string) => {
    if (event.turn_id !== id) {
      return;
    }
    if (STEP_TYPES.has(event.type)) {
      steps.push(event);
    } else if (endsTurn(event)) {
      settle(event);
    }
  };
  const subscription = feed.live.subscribe({
    next: (event) => (turnId ? collect(event, turnId) : early.push(event)),
    error: (error: Error) => settle(error),
    complete: () => settle(sessionNotFound(sessionId)),
  });
  try {
    turnId = await send();
    for (const event of early.splice(0)) {
      collect(event, turnId);
    }
    const end = await ended;
    if (end instanceof Error) {
      throw end;
    }
    if (end.type === 'error') {
      throw new AppException(end.data.code, end.data.message);
    }
    if (end.type !== 'final_response') {
      throw new AppException(ErrorCode.INTERNAL, `Turn ${turnId} ended without an answer`);
    }
    return { turnId, response: end.data.content, model: end.data.model, usage: end.data.usage, steps };
  } finally {
    subscription.unsubscribe();
  }
}
