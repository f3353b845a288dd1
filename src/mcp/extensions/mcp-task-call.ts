import { Logger } from '@nestjs/common';
import { SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import type { CallToolResult, Client, Progress, StandardSchemaV1, Tool } from '@modelcontextprotocol/client';
import { setTimeout as delay } from 'node:timers/promises';

/** The task a server made of a call (the 2025-11-25 `Task` shape). */
interface Task {
  taskId: string;
  status: 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';
  statusMessage?: string;
  pollInterval?: number;
}

const TERMINAL = new Set<Task['status']>(['completed', 'failed', 'cancelled']);
// What a task is asked to last, and how often it is polled when the server does not say.
const TASK_TTL_MS = 3_600_000;
const POLL_MIN_MS = 100;
const POLL_MAX_MS = 5000;
const POLL_DEFAULT_MS = 1000;
// A dropped connection while following a task: tried again this many times, with back-off.
const RETRIES = 5;

/** Results checked by hand (the SDK no longer exports schemas for the task methods). */
export const asIs = <T>(check: (value: unknown) => string | undefined): StandardSchemaV1<unknown, T> => ({
  '~standard': {
    version: 1,
    vendor: 'mcp-host-server',
    validate: (value) => {
      const problem = check(value);
      return problem ? { issues: [{ message: problem }] } : { value: value as T };
    },
  },
});
const isTask = (value: unknown): value is Task =>
  typeof (value as Task | undefined)?.taskId === 'string' && typeof (value as Task).status === 'string';
const CREATED = asIs<{ task?: Task } & Partial<CallToolResult>>((value) =>
  isTask((value as { task?: unknown } | undefined)?.task) || Array.isArray((value as CallToolResult)?.content)
    ? undefined
    : 'neither a task nor a tool result',
);
const TASK = asIs<Task>((value) => (isTask(value) ? undefined : 'not a task'));
const RESULT = asIs<CallToolResult>((value) =>
  Array.isArray((value as CallToolResult | undefined)?.content) ? undefined : 'not a tool result',
);

export interface TaskCallOptions {
  signal: AbortSignal;
  /** Without a status change for this long, the task is cancelled (timeout_ms). */
  timeoutMs: number;
  /** ...and after this long in all (max_timeout_ms). */
  maxTimeoutMs: number;
  onProgress?: (progress: Progress) => void;
}

/** Whether calls of this tool go as tasks: the server takes tasks for tools/call and the tool supports them. */
export function runsAsTask(client: Client, tool: Tool | undefined): boolean {
  const support = tool?.execution?.taskSupport;
  const capabilities = client.getServerCapabilities() as { tasks?: { requests?: { tools?: { call?: object } } } };
  return (
    client.getProtocolEra() === 'legacy' &&
    (support === 'required' || support === 'optional') &&
    capabilities?.tasks?.requests?.tools?.call !== undefined
  );
}

/** Follows a task's time: each change of its status reported as progress, and its deadlines. */
export class TaskWatch {
  private readonly started = Date.now();
  private changedAt = this.started;
  private reported = '';
  private step = 0;

  constructor(
    private readonly taskId: string,
    private readonly options: TaskCallOptions,
  ) {}

  /** Reports the task's status, when it changed since last seen. */
  saw(task: { status: string; statusMessage?: string }): void {
    const status = `${task.status}${task.statusMessage ? `: ${task.statusMessage}` : ''}`;
    if (status !== this.reported) {
      this.reported = status;
      this.changedAt = Date.now();
      this.options.onProgress?.({ progress: ++this.step, message: `task ${status}` });
    }
  }

  /** Throws a timeout once timeout_ms passed without a change of status, or max_timeout_ms in all. */
  checkTime(): void {
    const now = Date.now();
    const total = now - this.started >= this.options.maxTimeoutMs;
    if (total || now - this.changedAt >= this.options.timeoutMs) {
      throw new SdkError(SdkErrorCode.RequestTimeout, `task ${this.taskId} timed out`, {
        ...(total ? { maxTotalTimeout: this.options.maxTimeoutMs } : {}),
      });
    }
  }

  /** What max_timeout_ms leaves (at least 1 ms). */
  left(): number {
    return Math.max(1, this.options.maxTimeoutMs - (Date.now() - this.started));
  }
}

/**
 * A tool call as a task (MCP 2025-11-25 tasks): the call creates it, its status is polled
 * (`tasks/get`, at the server's pollInterval) and reported as progress, and its result fetched
 * (`tasks/result`; when the task needs input, that request carries the server's questions, answered
 * by the client's handlers, until it ends). Each poll is a request of its own, so the task outlives a
 * dropped connection: a failed poll is tried again. Cancelling the turn, or a timeout, cancels the
 * task (`tasks/cancel`).
 */
export async function callAsTask(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  options: TaskCallOptions,
): Promise<CallToolResult> {
  const created = await client.request(
    { method: 'tools/call', params: { name, arguments: args, task: { ttl: TASK_TTL_MS } } },
    CREATED,
    { signal: options.signal, timeout: options.timeoutMs },
  );
  if (!created.task) {
    // The server answered at once (taskSupport "optional").
    return created as CallToolResult;
  }
  const { taskId } = created.task;
  const logger = new Logger(`McpTask:${name}`);
  let task: Task = created.task;
  const watch = new TaskWatch(taskId, options);
  try {
    for (;;) {
      watch.saw(task);
      if (TERMINAL.has(task.status) || task.status === 'input_required') {
        if (task.status === 'cancelled') {
          throw new Error(`the server cancelled task ${taskId}${task.statusMessage ? `: ${task.statusMessage}` : ''}`);
        }
        // Blocks until the task ends; meanwhile it carries what the server asks (elicitation,
        // sampling), for as long as max_timeout_ms leaves.
        return await retried(
          () =>
            client.request({ method: 'tasks/result', params: { taskId } }, RESULT, {
              signal: options.signal,
              timeout: watch.left(),
              maxTotalTimeout: watch.left(),
            }),
          options.signal,
          logger,
        );
      }
      watch.checkTime();
      await delay(pollWait(task.pollInterval), undefined, { signal: options.signal });
      task = await retried(
        () =>
          client.request({ method: 'tasks/get', params: { taskId } }, TASK, {
            signal: options.signal,
            timeout: options.timeoutMs,
          }),
        options.signal,
        logger,
      );
    }
  } catch (error) {
    if (!TERMINAL.has(task.status)) {
      // Best effort, and not waited on by a cancelled turn.
      void client
        .request({ method: 'tasks/cancel', params: { taskId } }, TASK, { timeout: 5000 })
        .catch((cancelError: Error) => logger.debug(`tasks/cancel of ${taskId}: ${cancelError.message}`));
    }
    throw error;
  }
}

/** How long to wait before the next poll: the server's interval, within bounds. */
export function pollWait(interval: number | undefined): number {
  return Math.min(Math.max(interval ?? POLL_DEFAULT_MS, POLL_MIN_MS), POLL_MAX_MS);
}

/** A request tried again after a dropped connection or a server error, with back-off. */
export async function retried<T>(request: () => Promise<T>, signal: AbortSignal, logger: Logger): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (signal.aborted || attempt > RETRIES || !transient(error)) {
        throw error;
      }
      logger.debug(`Following the task: ${(error as Error).message}; trying again (${attempt}/${RETRIES})`);
      await delay(Math.min(250 * 2 ** attempt, 4000), undefined, { signal });
    }
  }
}

/** A failure of the way there, not an answer: the request may be made again. */
function transient(error: unknown): boolean {
  if (error instanceof SdkHttpError) {
    return error.status >= 500;
  }
  if (error instanceof SdkError) {
    return error.code === SdkErrorCode.ConnectionClosed || error.code === SdkErrorCode.SendFailed;
  }
  // fetch's own failure to connect (compared by name: it may come from another realm's TypeError).
  return (error as Error | undefined)?.name === 'TypeError' && (error as Error).message === 'fetch failed';
}
