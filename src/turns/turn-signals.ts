import { Injectable } from '@nestjs/common';

import { AppException, sessionNotFound } from '../common/errors';
import { ErrorCode } from '../contract/error-code';
import { McpCatalogService } from '../mcp/catalog/mcp-catalog.service';
import type { SessionSignal } from '../session-store/bus/session-bus';
import { SessionStore } from '../session-store/session-store';
import { SessionMcpBridge } from './session-mcp-bridge';
import { SessionWorker } from './session-worker.service';
import { ToolApprovals } from './tool-approvals';
import { ViewCallRunner } from './view-call-runner';

/**
 * What is asked of the node that holds a session, from this node or another (over the bus): run the
 * queue, cancel or end, answer what a turn waits for, run a view's tool call, or read the catalog of
 * one of its servers.
 */
@Injectable()
export class TurnSignals {
  constructor(
    private readonly worker: SessionWorker,
    private readonly bridge: SessionMcpBridge,
    private readonly approvals: ToolApprovals,
    private readonly viewCalls: ViewCallRunner,
    private readonly catalog: McpCatalogService,
    private readonly store: SessionStore,
  ) {}

  async handle(signal: SessionSignal): Promise<unknown> {
    const runtime = this.worker.holding(signal.session_id);
    switch (signal.kind) {
      case 'run':
        return this.worker.dispatch(signal.session_id);
      case 'cancel':
        if (runtime?.running?.turnId === signal.turn_id) {
          runtime.running.controller.abort();
        }
        return undefined;
      case 'end':
        return this.worker.end(signal.session_id, signal.reason, signal.idle_before);
      case 'elicitation':
        if (!runtime) {
          throw new AppException(ErrorCode.NOT_FOUND, `Elicitation ${signal.elicitation_id} is not pending`);
        }
        this.bridge.answer(runtime, signal.elicitation_id, signal.answer);
        return undefined;
      case 'approval':
        if (!runtime) {
          throw new AppException(ErrorCode.NOT_FOUND, `Approval ${signal.approval_id} is not pending`);
        }
        this.approvals.answer(runtime, signal.approval_id, signal.answer);
        return undefined;
      case 'view_call':
        return this.viewCalls.run(runtime, signal);
      case 'catalog':
        if (!runtime?.mcp || runtime.ended) {
          throw (await this.store.get(signal.session_id))
            ? new AppException(
                ErrorCode.SESSION_BUSY,
                `Session ${signal.session_id} is moving between nodes; try again`,
              )
            : sessionNotFound(signal.session_id);
        }
        return this.catalog.forSession(runtime.mcp, signal.request);
    }
  }
}
