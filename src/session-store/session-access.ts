import type { Principal } from '../auth/principal';
import { AppException, sessionNotFound } from '../common/errors';
import { ErrorCode } from '../contract/error-code';
import type { SessionRecord } from '../contract/session-record';
import type { SessionStore } from './session-store';

/**
 * What a caller does with a session: `read` it (details, history, stream), `manage` it (cancel
 * its turn, end it), or `drive` it (send messages, answer its approvals and elicitations).
 */
export type SessionAccess = 'read' | 'manage' | 'drive';

/** The owner may do anything; an administrator may read and manage any session, but only drive their own. */
export function mayAccess(principal: Principal, record: Pick<SessionRecord, 'owner'>, access: SessionAccess): boolean {
  return record.owner === principal.id || (principal.admin && access !== 'drive');
}

/** The session, if the principal may access it so; otherwise exactly what a missing session gives. */
export async function reachSession(
  store: SessionStore,
  principal: Principal,
  sessionId: string,
  access: SessionAccess,
): Promise<SessionRecord> {
  const record = await store.get(sessionId);
  if (!record || !mayAccess(principal, record, access)) {
    throw sessionNotFound(sessionId);
  }
  return record;
}

/** Whose sessions a listing holds: the caller's, or with `all` (administrators only) everyone's. */
export function listedOwner(principal: Principal, all = false): string | undefined {
  if (all && !principal.admin) {
    throw new AppException(ErrorCode.FORBIDDEN, 'Listing all sessions (all=true) is for administrators');
  }
  return all ? undefined : principal.id;
}
