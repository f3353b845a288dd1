import type { Principal } from '../auth/principal';
import type { SessionRecord } from './store/session-record';

/**
 * What a caller does with a session: `read` it (details, history, stream), `manage` it (cancel
 * its turn, end it), or `drive` it (send messages, answer its approvals and elicitations).
 */
export type SessionAccess = 'read' | 'manage' | 'drive';

/** The owner may do anything; an administrator may read and manage any session, but only drive their own. */
export function mayAccess(principal: Principal, record: Pick<SessionRecord, 'owner'>, access: SessionAccess): boolean {
  return record.owner === principal.id || (principal.admin && access !== 'drive');
}
