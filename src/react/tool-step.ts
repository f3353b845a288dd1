import { Injectable, Logger } from '@nestjs/common';

import { turnCancelled } from '../common/errors';
import { failed, inSpan, succeeded } from '../common/tracing';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ErrorCode } from '../contract/error-code';
import type { Observation, ToolChoice } from '../contract/events';
import type { ChatMessage } from '../contract/session-record';
import type { AgentTurn, TurnToolResult } from './agent-turn';
import { INVALID_ARGUMENTS } from './model-reply';
import { imagesForModel, isImage } from './tool-images';
import type { ToolImages } from './tool-images';

/**
 * The act step of the loop: runs the tool calls the model chose, in parallel, each only if its tool
 * is one the turn offered (switched-off, unknown and made-up names are refused, never called or sent
 * to approval); a failed call becomes an error result the model observes, never a failed turn.
 */
@Injectable()
export class ToolStep {
  private readonly logger = new Logger(ToolStep.name);

  constructor(@InjectAppConfig() private readonly config: AppConfig) {}

  /** The results as the history keeps them (text), and the images the model is shown this turn. */
  async run(
    assistant: ChatMessage,
    reasoning: string | undefined,
    iteration: number,
    turn: AgentTurn,
  ): Promise<{ results: ChatMessage[]; images: ToolImages[] }> {
    const calls = assistant.tool_calls ?? [];
    const offered = new Map(turn.tools.map((tool) => [tool.name, tool]));
    const choices: ToolChoice[] = calls.map((call) => ({
      call_id: call.id,
      server: offered.get(call.name)?.server ?? 'unknown',
      tool: call.name,
      arguments: call.arguments,
    }));
    turn.emit('thinking', { iteration, content: assistant.content, ...(reasoning ? { reasoning } : {}) });
    turn.emit('acting', { iteration, tools: choices });
    const outcomes = await Promise.all(
      choices.map((choice) =>
        offered.has(choice.tool) ? this.call(choice, iteration, turn) : this.refuse(choice, iteration, turn),
      ),
    );
    if (turn.signal.aborted) {
      throw turnCancelled();
    }
    const observations = outcomes.map((outcome) => outcome.observation);
    turn.emit('observing', { iteration, observations });
    const results = observations.map((observation): ChatMessage => ({
      role: 'tool',
      tool_call_id: observation.call_id,
      name: observation.tool,
      content: observation.content,
      is_error: observation.is_error,
    }));
    return { results, images: outcomes.map((outcome) => outcome.images) };
  }

  /** A tool the turn did not offer: nothing runs; the model is told, and the call ends failed with its code. */
  private refuse(choice: ToolChoice, iteration: number, turn: AgentTurn) {
    const content =
      `${ErrorCode.TOOL_NOT_AVAILABLE}: no tool "${choice.tool}" is offered in this turn ` +
      '(it does not exist, or it is switched off for this chat); use one of the tools you were given';
    turn.emit('tool_call', {
      ...choice,
      iteration,
      status: 'failed',
      code: ErrorCode.TOOL_NOT_AVAILABLE,
      error: content,
      duration_ms: 0,
    });
    return {
      observation: { call_id: choice.call_id, tool: choice.tool, content, is_error: true },
      images: { call_id: choice.call_id, tool: choice.tool, images: [] },
    };
  }

  private async call(
    choice: ToolChoice,
    iteration: number,
    turn: AgentTurn,
  ): Promise<{ observation: Observation; images: ToolImages }> {
    turn.emit('tool_call', { ...choice, iteration, status: 'running' });
    const started = performance.now();
    const result: TurnToolResult =
      INVALID_ARGUMENTS in choice.arguments
        ? {
            content: `Error: the arguments were not valid JSON: ${String(choice.arguments[INVALID_ARGUMENTS])}`,
            is_error: true,
          }
        : await this.execute(choice, iteration, turn);
    const duration_ms = Math.round((performance.now() - started) * 10) / 10;
    const images = imagesForModel(result.media, this.config.TOOL_IMAGE_MAX_BYTES);
    const unseen = (result.media ?? []).filter(isImage).length - images.length;
    const content = this.capped(
      unseen > 0
        ? `${result.content}\n[${unseen} image(s) not shown to you (TOOL_IMAGE_MAX_BYTES); the user sees them]`
        : result.content,
    );
    this.logger.debug({
      msg: `Tool ${choice.server}/${choice.tool} ${result.is_error ? 'failed' : 'succeeded'} in ${duration_ms} ms`,
      session_id: turn.sessionId,
      turn_id: turn.turnId,
      arguments: choice.arguments,
      result: content,
    });
    turn.emit('tool_call', {
      ...choice,
      iteration,
      status: result.is_error ? 'failed' : 'succeeded',
      ...(result.is_error ? { error: content } : { result: content }),
      ...(result.items?.length ? { content: result.items } : {}),
      duration_ms,
    });
    return {
      observation: { call_id: choice.call_id, tool: choice.tool, content, is_error: result.is_error },
      images: { call_id: choice.call_id, tool: choice.tool, images },
    };
  }

  /**
   * Runs the call (its approval wait included) in an `execute_tool {tool}` span, over which the MCP
   * client's `tools/call` span goes; a result the server marks an error is a `tool_error`.
   */
  private execute(choice: ToolChoice, iteration: number, turn: AgentTurn): Promise<TurnToolResult> {
    const attributes = {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': choice.tool,
      'gen_ai.tool.call.id': choice.call_id,
    };
    return inSpan(`execute_tool ${choice.tool}`, { attributes }, async (span) => {
      const result = await turn.callTool(choice, {
        signal: turn.signal,
        onProgress: ({ progress, total, message }) =>
          turn.emit('tool_call', {
            ...choice,
            iteration,
            status: 'running',
            progress: { progress, ...(total !== undefined ? { total } : {}), ...(message ? { message } : {}) },
          }),
      });
      if (result.is_error) {
        failed(span, 'tool_error');
      } else {
        succeeded(span);
      }
      return result;
    });
  }

  /** At most TOOL_RESULT_MAX_CHARS of a result, with a note to the model saying how much was cut. */
  private capped(content: string): string {
    const max = this.config.TOOL_RESULT_MAX_CHARS;
    return content.length <= max
      ? content
      : `${content.slice(0, max)}\n[truncated: ${content.length - max} more characters (TOOL_RESULT_MAX_CHARS)]`;
  }
}
