import { Injectable, Logger } from '@nestjs/common';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { randomUUID } from 'node:crypto';

import { AppException } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ErrorCode } from '../contract/error-code';
import { available } from '../mcp/client/mcp-available';
import type { ViewCallSignal } from '../session-store/bus/session-bus';
import { SessionStore } from '../session-store/session-store';
import type { SessionRuntime } from './session-runtime';
import { ToolApprovals } from './tool-approvals';
import { isSwitchedOff } from './tool-switches';

/**
 * Runs a tool call from an MCP Apps view, on the node that holds the session: only a tool of the
 * view's own server that its views may call (visibility "app"), through the same approval rules as
 * the model's calls (the `approval` event, answered as any other), with the server's own result.
 */
@Injectable()
export class ViewCallRunner {
  private readonly logger = new Logger(ViewCallRunner.name);

  constructor(
    private readonly approvals: ToolApprovals,
    private readonly store: SessionStore,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  async run(runtime: SessionRuntime | undefined, call: ViewCallSignal): Promise<CallToolResult> {
    const clients = runtime?.mcp;
    if (!runtime || runtime.ended || !clients) {
      throw new AppException(ErrorCode.SESSION_BUSY, `Session ${call.session_id} is moving between nodes; try again`);
    }
    const start = {
      timeoutMs: this.config.MCP_START_TIMEOUT_MS,
      signal: AbortSignal.timeout(this.config.MCP_START_TIMEOUT_MS),
    };
    await available(call.server, () => clients.use(() => clients.client(call.server).ensureReady(start)));
    const tool = clients.viewTool(call.server, call.tool);
    if (!tool) {
      throw new AppException(
        ErrorCode.NOT_FOUND,
        `MCP server "${call.server}" has no tool "${call.tool}" its views may call`,
      );
    }
    // The chat's switches bind a view's calls as they bind the model's, as they stand now.
    const disabled = (await this.store.get(call.session_id))?.disabled_tools ?? [];
    if (isSwitchedOff(disabled, call.server, call.tool)) {
      throw new AppException(
        ErrorCode.TOOL_NOT_AVAILABLE,
        `${ErrorCode.TOOL_NOT_AVAILABLE}: "${call.server}/${call.tool}" is switched off for this chat (its disabled_tools)`,
      );
    }
    this.logger.debug({ msg: `A view calls ${call.server}/${call.tool}`, session_id: runtime.id });
    // Not tied to any turn: the session's end (or its move to another node) cancels it.
    const signal = runtime.gone;
    const run = () => clients.callForView(call.server, call.tool, call.arguments, { signal });
    const choice = { call_id: randomUUID(), server: call.server, tool: call.tool, arguments: call.arguments };
    const result = tool.needs_approval
      ? await this.approvals.gate(runtime, runtime.running?.turnId ?? null, choice, signal, run)
      : await run();
    return result.raw ?? { content: [{ type: 'text', text: result.content }], isError: result.is_error };
  }
}
