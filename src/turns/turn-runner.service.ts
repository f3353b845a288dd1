import { Injectable, Logger } from '@nestjs/common';

import { ArtifactsService } from '../artifacts/artifacts.service';
import { ViewsService } from '../artifacts/views.service';
import { AppException, turnCancelled } from '../common/errors';
import { contextOf, failed, inSpan, succeeded } from '../common/tracing';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ErrorCode } from '../contract/error-code';
import type { NewStreamEvent, ToolChoice } from '../contract/events';
import type { ChatMessage } from '../contract/session-record';
import { SessionStatus } from '../contract/session-status';
import type { ToolResult } from '../mcp/client/mcp-tool';
import type { McpSessionClients } from '../mcp/mcp-session-clients';
import { ModelRegistry } from '../models/model-registry';
import type { TurnEmitter, TurnToolResult } from '../react/agent-turn';
import { fromTurnBoundary, lastTurnStart, visibleToModel } from '../react/history';
import { ReactAgentService } from '../react/react-agent.service';
import { incompleteTurn, SessionStore } from '../session-store/session-store';
import type { MessagePage, QueuedTurn, StartedTurn, TurnEnd as RecordedEnd } from '../session-store/session-store';
import { QuotaService } from '../usage/quota.service';
import { UsageService } from '../usage/usage.service';
import { HeldHistory } from './held-history';
import { SessionEventPublisher } from './session-event-publisher';
import type { SessionRuntime } from './session-runtime';
import { ToolApprovals } from './tool-approvals';
import { switchedOn } from './tool-switches';
import { readAttachments } from './turn-attachments';
import { INCOMPLETE, turnFailure } from './turn-failure';
import { modelOfTurn } from './turn-model';
import { TurnMetrics } from './turns.metrics';
import type { TurnOutcomeLabel } from './turns.metrics';

/** How a turn ended, for the node that ran it. */
export type TurnEnd = 'finished' | 'failed' | 'lost';

/**
 * Runs one turn of a session: starts its MCP clients on first use, runs the agent, appends the
 * turn to the history, and ends the turn with exactly one final_response or error event.
 */
@Injectable()
export class TurnRunner {
  private readonly logger = new Logger(TurnRunner.name);

  constructor(
    private readonly store: SessionStore,
    private readonly publisher: SessionEventPublisher,
    private readonly agent: ReactAgentService,
    private readonly approvals: ToolApprovals,
    private readonly metrics: TurnMetrics,
    private readonly artifacts: ArtifactsService,
    private readonly views: ViewsService,
    private readonly models: ModelRegistry,
    private readonly usage: UsageService,
    private readonly quotas: QuotaService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /**
   * Runs the turn on the latest messages (`recent`, read with the turn), reading further back only
   * when they do not fill HISTORY_TOKEN_BUDGET. 'lost' when the turn is no longer the session's
   * (it ended, or another node took it over).
   */
  async run(runtime: SessionRuntime, started: StartedTurn): Promise<TurnEnd> {
    const { turn } = started;
    const stopTimer = this.metrics.turnDuration.startTimer();
    let outcome: TurnOutcomeLabel = 'interrupted';
    let failure: string | undefined;
    // The metric's label: the configured id that answers (bounded by the configuration), or none.
    const model = this.models.get(started.model ?? this.models.defaultId ?? '')?.id ?? 'none';
    const ids = { session_id: runtime.id, turn_id: turn.turn_id };
    // Content fields are redacted unless LOG_CONTENT=true.
    this.logger.debug({ msg: 'Turn started', ...ids, content: turn.content });
    // One trace per turn, continuing the one of the request that sent it, on whichever node runs it.
    const attributes = {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.conversation.id': runtime.id,
      'mcp_host.turn.id': turn.turn_id,
      'mcp_host.model': model,
    };
    return inSpan('invoke_agent', { attributes, parent: contextOf(turn.trace) }, async (span) => {
      try {
        return await this.runTurn(runtime, started, (label, code) => ((outcome = label), (failure = code)));
      } finally {
        const seconds = stopTimer();
        this.metrics.turns.inc({ outcome, model });
        this.logger.log({ msg: `Turn ${outcome} in ${Math.round(seconds * 1000)} ms`, ...ids, outcome });
        span.setAttribute('mcp_host.turn.outcome', outcome);
        if (outcome === 'completed') {
          succeeded(span);
        } else {
          failed(span, failure ?? ErrorCode.TURN_INTERRUPTED);
        }
      }
    });
  }

  private async runTurn(
    runtime: SessionRuntime,
    { turn, recent, disabled, model: modelId }: StartedTurn,
    ended: (outcome: TurnOutcomeLabel, code?: ErrorCode) => void,
  ): Promise<TurnEnd> {
    const controller = new AbortController();
    const usage = { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
    runtime.running = { turnId: turn.turn_id, controller, samplings: 0, keptAt: Date.now(), usage };
    const emit: TurnEmitter = (type, data) => void this.publisher.publish(runtime, turn.turn_id, type, data);
    try {
      // Before the MCP servers: no process is started for a turn that cannot run.
      const model = modelOfTurn(this.models, runtime.owner, modelId);
      // A queued turn that would start over its owner's quota does not; one under way finishes.
      await this.quotas.assertUnder(runtime.owner);
      runtime.running.model = model;
      const tools = await this.startTools(runtime, turn.turn_id, controller.signal);
      // The newest MAX_HISTORY_MESSAGES: kept here, or come with the turn; a turn reads no more of its history.
      const newest = await this.newestMessages(runtime, recent);
      const { messages, first } = fromTurnBoundary(newest.messages, newest.next_before ?? 0);
      const attachments = await readAttachments(
        tools,
        turn.attachments ?? [],
        this.config.ATTACHMENT_MAX_CHARS,
        controller.signal,
      );
      const replaces = turn.replace_last ? lastTurnStart(messages, first) : undefined;
      const message: ChatMessage = {
        role: 'user',
        content: turn.content,
        ...(attachments.length > 0 ? { attachments } : {}),
        ...(replaces !== undefined ? { replaces } : {}),
      };
      // Stored by the store as the turn started; only the event is published here.
      this.publisher.setStatus(runtime, SessionStatus.PROCESSING, turn.turn_id, false);
      const result = await this.agent.run({
        sessionId: runtime.id,
        turnId: turn.turn_id,
        model,
        usage,
        // Seen with the new message at its end: a turn it replaces is not the model's to see.
        history: visibleToModel([...messages, message], first).slice(0, -1),
        earlierLeftOut: first > 0,
        message,
        tools: switchedOn(tools.tools(), disabled),
        callTool: async (choice, options) => {
          const call = () => tools.call(choice.tool, choice.arguments, options);
          const result = tools.needsApproval(choice.tool)
            ? await this.approvals.gate(runtime, turn.turn_id, choice, controller.signal, call)
            : await call();
          return this.keep(runtime, tools, choice, result, controller.signal);
        },
        signal: controller.signal,
        emit,
      });
      // The answer and the status go out with the history write, in one step of the store: fenced by
      // the running turn, so nothing lands once the session is not ours. The next queued turn starts there too.
      const end = { messages: result.messages, at: Date.now(), completed: true, status: SessionStatus.READY };
      const answer = {
        content: result.content,
        iterations: result.iterations,
        usage: result.usage,
        max_iterations_reached: result.max_iterations_reached,
        model: model.id,
      };
      ended('completed');
      return await this.finish(
        runtime,
        turn,
        end,
        this.publisher.endOfTurn(runtime, turn.turn_id, 'final_response', answer, end.status),
        'finished',
      );
    } catch (error) {
      const failure = turnFailure(error, runtime.id, turn.turn_id, controller.signal, this.logger);
      const status = failure.code === ErrorCode.TURN_CANCELLED ? SessionStatus.READY : SessionStatus.ERROR;
      const incomplete = INCOMPLETE[failure.code] ?? 'failed';
      ended(incomplete, failure.code);
      if (runtime.ended) {
        // The session ended: its end told every turn already.
        return 'failed';
      }
      // The user's words stay in the history, marked, even though the turn did not complete.
      const end = { messages: [incompleteTurn(turn, incomplete)], at: Date.now(), completed: false, status };
      const data = { code: failure.code, message: failure.message, session_usable: true };
      return this.finish(
        runtime,
        turn,
        end,
        this.publisher.endOfTurn(runtime, turn.turn_id, 'error', data, status),
        'failed',
      );
    } finally {
      runtime.running = undefined;
    }
  }

  /**
   * The newest messages of the history: those this node keeps, while the store's count says nothing
   * else wrote; else the page that came with the turn (or, when the turn came without one, a read).
   */
  private async newestMessages(runtime: SessionRuntime, recent: MessagePage): Promise<MessagePage> {
    const limit = this.config.MAX_HISTORY_MESSAGES;
    const kept = recent.messages.length === 0 ? runtime.history?.current(recent.total) : undefined;
    if (kept) {
      return kept;
    }
    const page =
      recent.messages.length > 0 || recent.total === 0
        ? recent
        : ((await this.store.messages(runtime.id, limit)) ?? recent);
    runtime.history = HeldHistory.of(page, limit);
    return page;
  }

  /**
   * Files, and the tool's MCP Apps view, go to the artifact store; the events and the history carry
   * their links. The server's own result (`raw`) goes no further than the view.
   */
  private async keep(
    runtime: SessionRuntime,
    clients: McpSessionClients,
    choice: ToolChoice,
    result: ToolResult,
    signal: AbortSignal,
  ): Promise<TurnToolResult> {
    const { raw, ...observed } = result;
    const session = { id: runtime.id, owner: runtime.owner };
    const tool = clients.tool(choice.tool);
    const read = (uri: string) => clients.readResource(choice.server, uri, signal);
    const [kept, view] = await Promise.all([
      this.artifacts.keep(session, observed),
      tool?.view && raw ? this.views.keep(session, tool, choice.arguments, result, read) : undefined,
    ]);
    return view ? { ...kept, items: [...(kept.items ?? []), view] } : kept;
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
        throw signal.reason instanceof AppException ? signal.reason : turnCancelled();
      }
      for (const failure of failures) {
        void this.publisher.publish(runtime, turnId, 'error', {
          code: failure.code,
          message: `${failure.message}; continuing without its tools`,
          session_usable: true,
          server: failure.server,
        });
      }
    }
    return clients;
  }

  /**
   * Records the turn's end with its last events; the next queued turn, if it started with it, runs
   * next here. The turn's tokens are counted for its owner first: stored before its last events go out.
   */
  private async finish(
    runtime: SessionRuntime,
    turn: QueuedTurn,
    end: Omit<RecordedEnd, 'next' | 'events'>,
    events: NewStreamEvent[],
    outcome: 'finished' | 'failed',
  ): Promise<TurnEnd> {
    const next = this.nextHere(runtime);
    const running = runtime.running;
    const usage = running?.model
      ? await this.usage.beforeTurnEnd(runtime.owner, running.model.id, running.usage, end.at)
      : undefined;
    const recorded = await this.store.finishTurn(runtime.id, turn.turn_id, { ...end, next, events, usage });
    if (!recorded) {
      return 'lost';
    }
    runtime.history?.append(end.messages);
    runtime.followedBy(next !== undefined, recorded.next);
    return outcome;
  }

  /** This node, when the session's next queued turn may start here as this one ends (it keeps the history). */
  private nextHere(runtime: SessionRuntime): string | undefined {
    return runtime.history && runtime.runsNext() ? this.config.NODE_ID : undefined;
  }
}
