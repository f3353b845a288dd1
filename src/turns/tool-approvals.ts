import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

import { AppException } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import type { ApprovalAnswer } from '../contract/answers';
import { ErrorCode } from '../contract/error-code';
import type { ApprovalData, ApprovalStatus, ToolChoice } from '../contract/events';
import type { ToolResult } from '../mcp/client/mcp-tool';
import { SessionEventPublisher } from './session-event-publisher';
import type { SessionRuntime } from './session-runtime';
import { TurnMetrics } from './turns.metrics';

/** What the model observes for a call the user did not let run. */
function declined(status: Exclude<ApprovalStatus, 'pending' | 'approved'>, reason?: string): ToolResult {
  const why =
    status === 'denied'
      ? `the user declined this tool call${reason ? `: ${reason}` : ''}`
      : 'the user did not approve this tool call in time';
  return { content: `Error: ${why}. Do not retry it unless the user asks.`, is_error: true };
}

/**
 * Human in the loop: a tool call that needs approval pauses its turn, streams `approval` (pending),
 * and runs only once the session's owner approves it. Denied, expired (APPROVAL_TIMEOUT_MS) and
 * cancelled calls become an error result the model observes, and the turn goes on.
 */
@Injectable()
export class ToolApprovals {
  constructor(
    private readonly publisher: SessionEventPublisher,
    private readonly metrics: TurnMetrics,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /** Runs `call` once approved; `signal` (the turn's) expires the wait at once. turnId: the turn it belongs to, if any. */
  async gate(
    runtime: SessionRuntime,
    turnId: string | null,
    choice: ToolChoice,
    signal: AbortSignal,
    call: () => Promise<ToolResult>,
  ): Promise<ToolResult> {
    const timeoutMs = this.config.APPROVAL_TIMEOUT_MS;
    const base: Omit<ApprovalData, 'status'> = {
      approval_id: randomUUID(),
      call_id: choice.call_id,
      server: choice.server,
      tool: choice.tool,
      arguments: choice.arguments,
      expires_at: new Date(Date.now() + timeoutMs).toISOString(),
    };
    const answer = await new Promise<ApprovalAnswer | undefined>((resolve) => {
      const expire = () => settle(undefined);
      const timer = setTimeout(expire, timeoutMs);
      const settle = (settled: ApprovalAnswer | undefined) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', expire);
        runtime.approvals.delete(base.approval_id);
        resolve(settled);
      };
      runtime.approvals.set(base.approval_id, { settle });
      signal.addEventListener('abort', expire, { once: true });
      void this.publisher.publish(runtime, turnId, 'approval', { ...base, status: 'pending' });
      if (signal.aborted) {
        expire();
      }
    });
    const status: ApprovalStatus = answer === undefined ? 'expired' : answer.approved ? 'approved' : 'denied';
    // The event says expired either way; the metric tells a cancelled turn from a user who never answered.
    this.metrics.approvals.inc({ outcome: status === 'expired' && signal.aborted ? 'cancelled' : status });
    void this.publisher.publish(runtime, turnId, 'approval', {
      ...base,
      status,
      ...(answer?.reason ? { reason: answer.reason } : {}),
    });
    return status === 'approved' ? call() : declined(status, answer?.reason);
  }

  /** Settles a pending approval of the session; NOT_FOUND when it is not pending. */
  answer(runtime: SessionRuntime, approvalId: string, answer: ApprovalAnswer): void {
    const pending = runtime.approvals.get(approvalId);
    if (!pending) {
      throw new AppException(
        ErrorCode.NOT_FOUND,
        `Approval ${approvalId} of session ${runtime.id} is not pending (unknown, answered or expired)`,
      );
    }
    pending.settle(answer);
  }
}
