import { Injectable, Logger } from '@nestjs/common';
import { SystemMessage } from '@langchain/core/messages';
import type { BaseMessage } from '@langchain/core/messages';

import { AppException, turnCancelled } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ErrorCode } from '../contract/error-code';
import type { ChatMessage } from '../contract/session-record';
import type { McpTool } from '../mcp/client/mcp-tool';
import type { ToolDefinitions } from '../models/model-replies';
import { inChatSpan } from '../models/model-span';
import type { AgentResult, AgentTurn } from './agent-turn';
import { toLangChain, trimHistory } from './history';
import { reasoningOf, toStored } from './model-reply';
import { LlmMetrics } from './react.metrics';
import { withToolImages } from './tool-images';
import { ToolStep } from './tool-step';

const DEFAULT_SYSTEM_PROMPT =
  'You are a helpful assistant. Use the available tools when they help with the request, and answer concisely.';
export const EARLIER_LEFT_OUT = 'Earlier messages of this conversation were left out.';

/**
 * The ReAct loop: think (stream the model), act (run the tool calls it chose, in parallel),
 * observe (hand the results back), until it answers or the iteration cap is reached. A plain loop
 * over the model's stream: no graph runtime, no checkpoint copy of the history at each step.
 */
@Injectable()
export class ReactAgentService {
  private readonly logger = new Logger(ReactAgentService.name);
  // Tool definitions of a tool set, for as long as a session keeps handing over that same set.
  private readonly toolDefinitions = new WeakMap<readonly McpTool[], ToolDefinitions>();

  constructor(
    @InjectAppConfig() private readonly config: AppConfig,
    private readonly metrics: LlmMetrics,
    private readonly toolStep: ToolStep,
  ) {}

  async run(turn: AgentTurn): Promise<AgentResult> {
    const tools = this.toolOptions(turn);
    const userMessage = turn.message;
    const added: ChatMessage[] = [userMessage];
    const history = trimHistory(turn.history, this.config.HISTORY_TOKEN_BUDGET);
    // One line tells the model the conversation began earlier than what it is given.
    const leftOut = turn.earlierLeftOut || history.length < turn.history.length ? `\n\n${EARLIER_LEFT_OUT}` : '';
    const prompt: BaseMessage[] = [
      new SystemMessage((this.config.SYSTEM_PROMPT ?? DEFAULT_SYSTEM_PROMPT) + leftOut),
      ...history.map(toLangChain),
      toLangChain(userMessage),
    ];
    const usage = turn.usage;
    const max = this.config.REACT_MAX_ITERATIONS;

    for (let iteration = 1; iteration <= max; iteration++) {
      const reply = await inChatSpan(turn.model, () => this.think(tools, prompt, iteration, turn));
      this.metrics.countTokens(turn.model.id, reply, usage);
      const assistant: ChatMessage = { ...toStored(reply), model: turn.model.id };
      added.push(assistant);
      prompt.push(toLangChain(assistant));
      if (!assistant.tool_calls?.length) {
        return {
          content: assistant.content,
          iterations: iteration,
          usage,
          max_iterations_reached: false,
          messages: added,
        };
      }
      const { results, images } = await this.toolStep.run(assistant, reasoningOf(reply), iteration, turn);
      added.push(...results);
      prompt.push(...withToolImages(turn.model.provider, results.map(toLangChain), images));
    }

    const content = `I stopped after ${max} reasoning steps (REACT_MAX_ITERATIONS) without reaching a final answer.`;
    added.push({ role: 'assistant', content, model: turn.model.id });
    return { content, iterations: max, usage, max_iterations_reached: true, messages: added };
  }

  /**
   * The session's tools as call options rather than a bound model: binding clones the chat model
   * (client and all, about 60 KB) per session, while these definitions share the servers' schemas.
   */
  private toolOptions(turn: AgentTurn): ToolDefinitions {
    if (turn.tools.length === 0) {
      return {};
    }
    let options = this.toolDefinitions.get(turn.tools);
    if (!options) {
      options = {
        tools: turn.tools.map((tool) => ({
          type: 'function' as const,
          function: { name: tool.name, description: tool.description, parameters: tool.input_schema },
        })),
      };
      this.toolDefinitions.set(turn.tools, options);
    }
    return options;
  }

  /** Streams one model reply, emitting its text as partial_response deltas. */
  private async think(
    tools: ToolDefinitions,
    prompt: BaseMessage[],
    iteration: number,
    turn: AgentTurn,
  ) {
    if (turn.signal.aborted) {
      // A listener added to an aborted signal never fires.
      throw turnCancelled();
    }
    const controller = new AbortController();
    const cancel = () => controller.abort();
    turn.signal.addEventListener('abort', cancel, { once: true });
    let timedOut = false;
    // Idle timeout, refreshed on every chunk: a slow answer is fine, a silent model is not.
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.config.LLM_TIMEOUT_MS);
    const sent = performance.now();
    let first = true;
    // Deltas that arrive together (one read of the stream) make one partial_response.
    let pending = '';
    const emitPending = () => {
      if (pending !== '') {
        turn.emit('partial_response', { iteration, delta: pending });
        pending = '';
      }
    };
    try {
      const reply = await turn.model.replies.reply(
        prompt,
        { ...tools, signal: controller.signal },
        {
          chunk: () => {
            timer.refresh();
            if (first) {
              first = false;
              this.metrics.timeToFirstToken.observe({ model: turn.model.id }, (performance.now() - sent) / 1000);
            }
          },
          text: (delta) => {
            if (pending === '') {
              setImmediate(emitPending);
            }
            pending += delta;
          },
        },
      );
      this.metrics.requestDuration.observe({ model: turn.model.id }, (performance.now() - sent) / 1000);
      return reply;
    } catch (error) {
      throw this.llmError(error, turn, timedOut);
    } finally {
      emitPending();
      clearTimeout(timer);
      turn.signal.removeEventListener('abort', cancel);
    }
  }

  private llmError(error: unknown, turn: AgentTurn, timedOut: boolean): AppException {
    if (turn.signal.aborted) {
      return turnCancelled();
    }
    const where = `${turn.model.id} (${turn.model.provider}:${turn.model.model}) at ${turn.model.endpoint}`;
    if (timedOut) {
      return new AppException(
        ErrorCode.LLM_TIMEOUT,
        `The model (${where}) sent nothing for ${this.config.LLM_TIMEOUT_MS} ms (LLM_TIMEOUT_MS); try again`,
      );
    }
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const detail = `${(error as Error).message ?? String(error)}${cause ? ` (${cause})` : ''}`;
    this.logger.warn({
      msg: `LLM request failed in session ${turn.sessionId}, turn ${turn.turnId}: ${detail}`,
      session_id: turn.sessionId,
      turn_id: turn.turnId,
    });
    return new AppException(ErrorCode.LLM_ERROR, `The model request to ${where} failed: ${detail}`);
  }
}
