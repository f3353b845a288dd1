import type { Logger } from '@nestjs/common';

import { AppException, turnCancelled } from '../common/errors';
import { ErrorCode } from '../contract/error-code';
import type { ChatMessage } from '../contract/session-record';

/** Why a turn that did not complete is marked so in the history. */
export const INCOMPLETE: Partial<Record<ErrorCode, ChatMessage['incomplete']>> = {
  [ErrorCode.TURN_CANCELLED]: 'cancelled',
  [ErrorCode.SERVER_SHUTDOWN]: 'interrupted',
  [ErrorCode.TURN_INTERRUPTED]: 'interrupted',
  [ErrorCode.SESSION_ENDED]: 'interrupted',
};

/**
 * What a turn's failure is to its clients: the reason its abort carried (the session's end, the
 * node's shutdown, a lost store), its own code, a cancel, or INTERNAL (logged, with the cause).
 */
export function turnFailure(
  error: unknown,
  sessionId: string,
  turnId: string,
  signal: AbortSignal,
  logger: Logger,
): AppException {
  if (signal.aborted && signal.reason instanceof AppException) {
    return signal.reason;
  }
  if (error instanceof AppException) {
    return error;
  }
  if (signal.aborted) {
    return turnCancelled();
  }
  logger.error({ msg: `Turn ${turnId} of session ${sessionId} failed`, session_id: sessionId, turn_id: turnId, err: error });
  return new AppException(ErrorCode.INTERNAL, `Turn failed unexpectedly: ${(error as Error).message}`);
}
