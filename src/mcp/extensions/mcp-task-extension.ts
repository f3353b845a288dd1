import { Logger } from '@nestjs/common';
import type { CallToolResult, Client, JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { setTimeout as delay } from 'node:timers/promises';

import { asIs, pollWait, retried, TaskWatch } from './mcp-task-call';
import type { TaskCallOptions } from './mcp-task-call';

/** The tasks extension of the 2026-07-28 revision (SEP-2663). */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
/** Where the shim below puts a CreateTaskResult, in the stand-in result it hands the SDK. */
const CREATED_TASK = 'mcp-host-server/created-task';

/** A task as `tasks/get` gives it (the extension's DetailedTask). */
interface DetailedTask {
  taskId: string;
  status: 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';
  statusMessage?: string;
  pollIntervalMs?: number;
  /** input_required: the server's requests, by key (elicitation, sampling, roots). */
  inputRequests?: Record<string, InputRequest>;
  /** completed: the call's result. */
  result?: CallToolResult;
  /** failed: the JSON-RPC error. */
  error?: { code?: number; message?: string };
}

export interface InputRequest {
  method: string;
  params?: Record<string, unknown>;
}

/** Answers one of a task's input requests as the same request would be answered during a call. */
export type InputAnswerer = (request: InputRequest, signal: AbortSignal) => Promise<unknown>;

const TERMINAL = new Set<DetailedTask['status']>(['completed', 'failed', 'cancelled']);
// The tools/call ids the shim remembers until their answer; far more than one connection has in flight.
const MAX_CALLS_IN_FLIGHT = 10_000;
// Each key is answered once; a task asking more than this is not followed further.
const MAX_INPUT_REQUESTS = 32;

const isTask = (value: unknown): value is DetailedTask =>
  typeof (value as DetailedTask | undefined)?.taskId === 'string' && typeof (value as DetailedTask).status === 'string';
const TASK = asIs<DetailedTask>((value) => (isTask(value) ? undefined : 'not a task'));
const ACK = asIs<object>((value) => (typeof value === 'object' && value !== null ? undefined : 'not a result'));

/**
 * The SDK's 2.x client refuses a `resultType: "task"` answer to tools/call (its 2026 codec knows no
 * task results), although the host declares the extension. This shim on the connection's transport
 * hands the SDK a stand-in for such an answer: an error-flagged, empty CallToolResult carrying the
 * task under `_meta`, which `createdTask` takes out again. Everything else passes untouched.
 */
export function acceptTaskResults(transport: Transport): void {
  const calls = new Set<string | number>();
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    if ('method' in message && message.method === 'tools/call' && 'id' in message) {
      calls.add(message.id);
      // A call whose answer never came (it timed out, the connection broke) is not remembered for ever.
      if (calls.size > MAX_CALLS_IN_FLIGHT) {
        calls.delete(calls.values().next().value!);
      }
    }
    return send(message, options);
  };
  const receive = transport.onmessage;
  transport.onmessage = (message: JSONRPCMessage, extra) => {
    let delivered = message;
    if (!('method' in message) && 'id' in message && message.id !== undefined && calls.delete(message.id)) {
      const result = 'result' in message ? (message.result as Record<string, unknown>) : undefined;
      if (result?.resultType === 'task') {
        const standIn = { resultType: 'complete', content: [], isError: true, _meta: { [CREATED_TASK]: result } };
        delivered = { ...message, result: standIn } as JSONRPCMessage;
      }
    }
    receive?.(delivered, extra);
  };
}

/** The task a server made of a call instead of answering it, when it did. */
export function createdTask(result: CallToolResult): DetailedTask | undefined {
  const task = result._meta?.[CREATED_TASK];
  return isTask(task) ? task : undefined;
}

/**
 * Follows a task of the extension to its result: `tasks/get` at the server's pollIntervalMs, each
 * status change reported as progress; an `input_required` task's requests answered (each key once)
 * with `tasks/update`; a completed task's `result` returned, a failed one's error thrown. Every poll
 * is a request of its own, tried again after a dropped connection. Cancelling the turn, or a timeout,
 * cancels the task (`tasks/cancel`).
 */
export async function followTask(
  client: Client,
  created: DetailedTask,
  options: TaskCallOptions,
  answer: InputAnswerer,
): Promise<CallToolResult> {
  const { taskId } = created;
  const logger = new Logger(`McpTask:${taskId}`);
  const answered = new Set<string>();
  const request = <T>(method: string, params: Record<string, unknown>, schema: typeof TASK | typeof ACK) =>
    retried(
      () =>
        client.request({ method, params: { taskId, ...params } }, schema, {
          signal: options.signal,
          timeout: options.timeoutMs,
        }),
      options.signal,
      logger,
    ) as Promise<T>;
  let task = created;
  const watch = new TaskWatch(taskId, options);
  try {
    for (;;) {
      watch.saw(task);
      switch (task.status) {
        case 'completed':
          if (!Array.isArray(task.result?.content)) {
            throw new Error(`task ${taskId} completed without a tool result`);
          }
          return task.result;
        case 'failed':
          throw new Error(`task ${taskId} failed: ${task.error?.message ?? task.statusMessage ?? 'no reason given'}`);
        case 'cancelled':
          throw new Error(`the server cancelled task ${taskId}${task.statusMessage ? `: ${task.statusMessage}` : ''}`);
        case 'input_required':
          await answerInputs(task, answered, options.signal, answer, (inputResponses) =>
            request('tasks/update', { inputResponses }, ACK),
          );
          break;
        case 'working':
          break;
      }
      watch.checkTime();
      await delay(pollWait(task.pollIntervalMs), undefined, { signal: options.signal });
      task = await request<DetailedTask>('tasks/get', {}, TASK);
    }
  } catch (error) {
    if (!TERMINAL.has(task.status)) {
      // Best effort, and not waited on by a cancelled turn.
      void client
        .request({ method: 'tasks/cancel', params: { taskId } }, ACK, { timeout: 5000 })
        .catch((cancelError: Error) => logger.debug(`tasks/cancel of ${taskId}: ${cancelError.message}`));
    }
    throw error;
  }
}

/** Answers the requests of an input_required task not answered before, and sends the answers. */
async function answerInputs(
  task: DetailedTask,
  answered: Set<string>,
  signal: AbortSignal,
  answer: InputAnswerer,
  update: (inputResponses: Record<string, unknown>) => Promise<unknown>,
): Promise<void> {
  const fresh = Object.entries(task.inputRequests ?? {}).filter(([key]) => !answered.has(key));
  if (fresh.length === 0) {
    return;
  }
  if (answered.size + fresh.length > MAX_INPUT_REQUESTS) {
    throw new Error(`task ${task.taskId} asked for input more than ${MAX_INPUT_REQUESTS} times`);
  }
  fresh.forEach(([key]) => answered.add(key));
  const responses = await Promise.all(fresh.map(async ([key, input]) => [key, await answer(input, signal)] as const));
  await update(Object.fromEntries(responses));
}
