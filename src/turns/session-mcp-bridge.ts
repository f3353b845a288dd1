import { Injectable } from '@nestjs/common';
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/client';
import type {
  CreateMessageRequest,
  CreateMessageResult,
  ElicitRequestFormParams,
  ElicitResult,
  JsonSchemaType,
} from '@modelcontextprotocol/client';
import { randomUUID } from 'node:crypto';

import { AppException } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import type { ElicitationAnswer } from '../contract/answers';
import { ErrorCode } from '../contract/error-code';
import type { ElicitationData, ElicitationStatus } from '../contract/events';
import type { McpClientHost, ServerStatusChange } from '../mcp/client/mcp-client-host';
import { SCHEMA_VALIDATOR } from '../mcp/client/mcp-schema-validator';
import { SamplerService, samplingText } from '../react/sampler.service';
import { SessionEventPublisher } from './session-event-publisher';
import type { SessionRuntime } from './session-runtime';

const STATUS_OF: Record<ElicitationAnswer['action'], ElicitationStatus> = {
  accept: 'accepted',
  decline: 'declined',
  cancel: 'cancelled',
};

/**
 * What MCP servers ask of a session, answered in the session: sampling by the session's model,
 * elicitation by its user (streamed as `elicitation` events, answered over socket.io or REST), and
 * server restarts streamed as `mcp_status`.
 */
@Injectable()
export class SessionMcpBridge {
  constructor(
    private readonly publisher: SessionEventPublisher,
    private readonly sampler: SamplerService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  hostFor(runtime: SessionRuntime): McpClientHost {
    return {
      sessionId: runtime.id,
      userId: runtime.owner,
      get inTurn() {
        return runtime.running !== undefined;
      },
      sample: (server, params, signal) => this.sample(runtime, server, params, signal),
      elicit: (server, params, signal) => this.elicit(runtime, server, params, signal),
      serverStatus: (change) => this.serverStatus(runtime, change),
    };
  }

  /** Settles a pending elicitation; content is checked against the server's schema first. */
  answer(runtime: SessionRuntime, elicitationId: string, answer: ElicitationAnswer): void {
    const pending = runtime.elicitations.get(elicitationId);
    if (!pending) {
      throw new AppException(
        ErrorCode.NOT_FOUND,
        `Elicitation ${elicitationId} of session ${runtime.id} is not pending (unknown, answered or expired)`,
      );
    }
    if (answer.action !== 'accept') {
      pending.settle({ action: answer.action });
      return;
    }
    const content = withDefaults(pending.schema, answer.content ?? {});
    const check = SCHEMA_VALIDATOR.getValidator(pending.schema as JsonSchemaType)(content);
    if (!check.valid) {
      throw new AppException(
        ErrorCode.VALIDATION_FAILED,
        `content does not match the requested schema of elicitation ${elicitationId}: ${check.errorMessage}`,
      );
    }
    pending.settle({ action: 'accept', content: content as ElicitResult['content'] });
  }

  /** A session that ends cancels what its servers are still asking. */
  cancelAll(runtime: SessionRuntime): void {
    for (const pending of [...runtime.elicitations.values()]) {
      pending.settle({ action: 'cancel' });
    }
  }

  private async sample(
    runtime: SessionRuntime,
    server: string,
    params: CreateMessageRequest['params'],
    signal: AbortSignal,
  ): Promise<CreateMessageResult> {
    const running = runtime.running;
    if (!running) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidRequest,
        `Session ${runtime.id} answers sampling only during a turn`,
      );
    }
    const limit = this.config.MCP_SAMPLING_MAX_PER_TURN;
    if (running.samplings >= limit) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidRequest,
        `Sampling refused: ${limit} requests per turn is the limit (MCP_SAMPLING_MAX_PER_TURN)`,
      );
    }
    running.samplings++;
    const base = { sampling_id: randomUUID(), server };
    void this.publisher.publish(runtime, running.turnId, 'sampling', {
      ...base,
      status: 'running',
      prompt: params.messages.map((message) => `${message.role}: ${samplingText(message)}`).join('\n'),
      ...(params.systemPrompt ? { system_prompt: params.systemPrompt } : {}),
    });
    const started = performance.now();
    const duration_ms = () => Math.round(performance.now() - started);
    try {
      if (!running.model) {
        throw new Error('the turn has no model');
      }
      const reply = await this.sampler.complete(
        running.model,
        params,
        AbortSignal.any([signal, running.controller.signal]),
        running.usage,
      );
      void this.publisher.publish(runtime, running.turnId, 'sampling', {
        ...base,
        status: 'succeeded',
        content: reply.content,
        duration_ms: duration_ms(),
      });
      return {
        model: reply.model,
        role: 'assistant',
        content: { type: 'text', text: reply.content },
        stopReason: 'endTurn',
      };
    } catch (error) {
      const message = (error as Error).message;
      void this.publisher.publish(runtime, running.turnId, 'sampling', {
        ...base,
        status: 'failed',
        error: message,
        duration_ms: duration_ms(),
      });
      throw new ProtocolError(ProtocolErrorCode.InternalError, `Sampling failed: ${message}`);
    }
  }

  private elicit(
    runtime: SessionRuntime,
    server: string,
    params: ElicitRequestFormParams,
    signal: AbortSignal,
  ): Promise<ElicitResult> {
    const timeoutMs = this.config.MCP_ELICITATION_TIMEOUT_MS;
    const turnId = runtime.running?.turnId ?? null;
    const turnSignal = runtime.running?.controller.signal;
    const base: Omit<ElicitationData, 'status'> = {
      elicitation_id: randomUUID(),
      server,
      message: params.message,
      requested_schema: params.requestedSchema as Record<string, unknown>,
    };
    return new Promise<ElicitResult>((resolve) => {
      const cancel = () => settle({ action: 'cancel' });
      const timer = setTimeout(() => settle({ action: 'decline' }, 'expired'), timeoutMs);
      const settle = (result: ElicitResult, status: ElicitationStatus = STATUS_OF[result.action]) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', cancel);
        turnSignal?.removeEventListener('abort', cancel);
        runtime.elicitations.delete(base.elicitation_id);
        void this.publisher.publish(runtime, turnId, 'elicitation', {
          ...base,
          status,
          ...(result.content ? { content: result.content as Record<string, unknown> } : {}),
        });
        resolve(result);
      };
      runtime.elicitations.set(base.elicitation_id, { schema: base.requested_schema, settle });
      // The server gave up, or the user stopped the turn the question belongs to.
      signal.addEventListener('abort', cancel, { once: true });
      turnSignal?.addEventListener('abort', cancel, { once: true });
      void this.publisher.publish(runtime, turnId, 'elicitation', {
        ...base,
        status: 'pending',
        expires_at: new Date(Date.now() + timeoutMs).toISOString(),
      });
    });
  }

  private serverStatus(runtime: SessionRuntime, change: ServerStatusChange): void {
    if (change.state !== 'restarting' && change.state !== 'ready' && change.state !== 'down') {
      return;
    }
    void this.publisher.publish(runtime, runtime.running?.turnId ?? null, 'mcp_status', {
      server: change.server,
      state: change.state,
      ...(change.reason ? { reason: change.reason } : {}),
      ...(change.attempt !== undefined ? { attempt: change.attempt } : {}),
      tools: change.tools,
    });
  }
}

/** Top-level defaults of the (flat) requested schema fill what the user left out. */
function withDefaults(schema: Record<string, unknown>, content: Record<string, unknown>): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, { default?: unknown }>;
  const filled = { ...content };
  for (const [key, property] of Object.entries(properties)) {
    if (filled[key] === undefined && property.default !== undefined) {
      filled[key] = property.default;
    }
  }
  return filled;
}
