import { Injectable, Logger } from '@nestjs/common';

import { AppException, ErrorCode, turnCancelled } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { McpService } from '../mcp/mcp.service';
import { ReactAgentService } from '../react/react-agent.service';
import type { TurnEmitter } from '../react/agent-turn';
import { SessionEventPublisher } from './session-event-publisher';
import { SessionStatus } from './events';
import type { StreamEvent } from './events';
import type { PendingTurn, SessionRuntime, TurnOutcome } from './session-runtime';
import { SessionStore } from './store/session-store';

const STEP_TYPES = new Set(['thinking', 'acting', 'tool_call', 'observing']);

/**
 * Runs one turn of a session: starts its MCP clients on first use, runs the agent, stores the
 * turn's messages, and ends the turn with exactly one final_response or error event.
 */
@Injectable()
export class TurnRunner {
  private readonly logger = new Logger(TurnRunner.name);

  constructor(
    private readonly store: SessionStore,
    private readonly publisher: SessionEventPublisher,
    private readonly agent: ReactAgentService,
    private readonly mcp: McpService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  async run(runtime: SessionRuntime, turn: PendingTurn): Promise<TurnOutcome> {
    const controller = new AbortController();
    runtime.running = { turnId: turn.turnId, controller, samplings: 0 };
    const steps: StreamEvent[] = [];
    const emit: TurnEmitter = (type, data) => {
      const event = this.publisher.publish(runtime, turn.turnId, type, data);
      if (event && STEP_TYPES.has(type)) {
        steps.push(event);
      }
    };
    try {
      // Before the MCP servers: no process is started for a turn that cannot run.
      this.agent.assertConfigured();
      const tools = await this.startTools(runtime, turn.turnId, controller.signal);
      const record = await this.store.get(runtime.id);
      if (!record) {
        throw new AppException(ErrorCode.SESSION_ENDED, `Session ${runtime.id} ended before turn ${turn.turnId} ran`);
      }
      this.publisher.setStatus(runtime, SessionStatus.PROCESSING, turn.turnId);
      const result = await this.agent.run({
        sessionId: runtime.id,
        turnId: turn.turnId,
        history: record.messages,
        message: turn.content,
        tools: tools.tools(),
        callTool: (name, args, options) => tools.call(name, args, options),
        signal: controller.signal,
        emit,
      });
      await this.store.appendTurn(runtime.id, result.messages, Date.now());
      emit('final_response', {
        content: result.content,
        iterations: result.iterations,
        usage: result.usage,
        max_iterations_reached: result.max_iterations_reached,
      });
      this.publisher.setStatus(runtime, SessionStatus.READY, turn.turnId);
      return { ok: true, session_id: runtime.id, turn_id: turn.turnId, response: result.content, steps };
    } catch (error) {
      const failure = this.toAppException(error, runtime, turn, controller.signal);
      emit('error', { code: failure.code, message: failure.message, session_usable: !runtime.ended });
      const cancelled = failure.code === ErrorCode.TURN_CANCELLED;
      this.publisher.setStatus(runtime, cancelled ? SessionStatus.READY : SessionStatus.ERROR, turn.turnId);
      return { ok: false, error: failure };
    } finally {
      runtime.running = undefined;
    }
  }

  /** Starts (or restarts) the session's MCP servers; a server that fails is reported, the rest serve. */
  private async startTools(runtime: SessionRuntime, turnId: string, signal: AbortSignal) {
    if (runtime.ended) {
      // Clients created now would never be released: the session's end has already run.
      throw new AppException(ErrorCode.SESSION_ENDED, `Session ${runtime.id} ended before turn ${turnId} ran`);
    }
    const clients = runtime.mcp;
    if (!clients) {
      throw new AppException(ErrorCode.INTERNAL, `Session ${runtime.id} has no MCP clients`);
    }
    if (!clients.ready) {
      this.publisher.setStatus(runtime, SessionStatus.STARTING, turnId);
      const failures = await clients.ensureStarted({ timeoutMs: this.config.MCP_START_TIMEOUT_MS, signal });
      if (signal.aborted) {
        // Starts that were cut short by the cancel are not server failures.
        throw turnCancelled();
      }
      for (const failure of failures) {
        this.publisher.publish(runtime, turnId, 'error', {
          code: failure.code,
          message: `${failure.message}; continuing without its tools`,
          session_usable: true,
          server: failure.server,
        });
      }
    }
    return clients;
  }

  private toAppException(error: unknown, runtime: SessionRuntime, turn: PendingTurn, signal: AbortSignal) {
    // The session's end aborts its turn with the reason (SERVER_SHUTDOWN, SESSION_ENDED).
    if (signal.aborted && signal.reason instanceof AppException) {
      return signal.reason;
    }
    if (error instanceof AppException) {
      return error;
    }
    if (signal.aborted) {
      return turnCancelled();
    }
    this.logger.error(`Turn ${turn.turnId} of session ${runtime.id} failed`, (error as Error).stack);
    return new AppException(ErrorCode.INTERNAL, `Turn failed unexpectedly: ${(error as Error).message}`);
  }
}
