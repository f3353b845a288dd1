import { Logger } from '@nestjs/common';
import { Client, SdkError, SdkErrorCode, UnauthorizedError } from '@modelcontextprotocol/client';
import type { OAuthClientProvider, Root, Transport } from '@modelcontextprotocol/client';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

import { settleWithin } from '../../common/settle-within';
import type { McpServerConfig } from '../config/mcp-config';
import { UI_CAPABILITY } from '../extensions/mcp-apps';
import { acceptTaskResults, TASKS_EXTENSION } from '../extensions/mcp-task-extension';
import { CLOSE_GRACE_MS, McpConnection } from './mcp-connection';
import { negotiationFor } from './mcp-era';
import type { EraVerdicts } from './mcp-era';
import { traceRequests } from './mcp-request-spans';
import { SCHEMA_VALIDATOR } from './mcp-schema-validator';
import { refusedByServer, transportsFor } from './mcp-transports';

const CLIENT_INFO = { name: 'mcp-host-server', version: '0.2.0' };
/**
 * Pages of a list (tools, prompts, resource templates) read before the listing counts as failed: a
 * bound against a server whose cursor never ends, far above real servers' lists.
 */
export const MAX_LIST_PAGES = 64;

export interface McpStartOptions {
  timeoutMs: number;
  signal: AbortSignal;
  /** How servers answered the era probe before: a server known to the host is not probed again. */
  verdicts?: EraVerdicts;
  /** Told of a stdio server's process once it runs (the sandbox watches how it ends); not of the era probe's. */
  onSpawn?: (child: ChildProcess) => void;
}

/** Waits for the work, but no longer than the caller's start timeout, and not past its cancel. */
export async function withinStart(work: Promise<void>, start: McpStartOptions): Promise<void> {
  const bound = new AbortController();
  const stop = AbortSignal.any([bound.signal, start.signal]);
  try {
    await Promise.race([
      work,
      delay(start.timeoutMs, undefined, { signal: stop }).then(
        () => Promise.reject(new Error(`not ready within ${start.timeoutMs} ms (MCP_START_TIMEOUT_MS)`)),
        () => undefined,
      ),
    ]);
  } finally {
    bound.abort();
  }
}

/** How the MCP layer opens a connection: openConnection in the app, a fake in unit specs. */
export type Connector = typeof openConnection;

/** Injection token of the Connector. */
export const MCP_CONNECTOR = Symbol('MCP_CONNECTOR');

/**
 * Spawns or dials the server, negotiates its protocol era (per its `protocol` setting), and reads
 * its tool list, within the start options' timeout; aborting the signal (a cancelled turn) stops
 * the start and closes what was opened. Streamable HTTP that is refused falls back to legacy SSE.
 */
export async function openConnection(
  config: McpServerConfig,
  label: string,
  roots: Root[],
  start: McpStartOptions,
  auth?: OAuthClientProvider,
): Promise<McpConnection> {
  const attempts = transportsFor(config, label, auth, start.onSpawn);
  for (let index = 0; ; index++) {
    try {
      return await connect(config, attempts[index](), roots, start, auth);
    } catch (error) {
      if (error instanceof UnauthorizedError && auth) {
        return openAuthorized(config, label, roots, start, auth, error);
      }
      if (index + 1 >= attempts.length || !refusedByServer(error) || start.signal.aborted) {
        throw error;
      }
      new Logger(`McpConnection:${config.name}`).log(
        `Streamable HTTP refused (${(error as Error).message}); falling back to legacy SSE`,
      );
    }
  }
}

/**
 * The server wants a token this principal does not have: if the authorization was given while it
 * was asked for (a headless authorizer), connect again with it; otherwise the user has to connect it.
 */
async function openAuthorized(
  config: McpServerConfig,
  label: string,
  roots: Root[],
  start: McpStartOptions,
  auth: OAuthClientProvider,
  refusal: UnauthorizedError,
): Promise<McpConnection> {
  const needsAuthorization = (cause: unknown) =>
    new Error(`needs authorization: connect it (the page's Connect link, or POST /api/v3/mcp/oauth/<server>/start)`, {
      cause,
    });
  if (!(await auth.tokens())) {
    throw needsAuthorization(refusal);
  }
  const [attempt] = transportsFor(config, label, auth);
  try {
    return await connect(config, attempt(), roots, start, auth);
  } catch (error) {
    // The token it has is refused too (revoked, or expired beyond refresh): the user connects again.
    throw error instanceof UnauthorizedError ? needsAuthorization(error) : error;
  }
}

async function connect(
  config: McpServerConfig,
  transport: Transport,
  roots: Root[],
  start: McpStartOptions,
  auth?: OAuthClientProvider,
): Promise<McpConnection> {
  const client = new Client(CLIENT_INFO, {
    capabilities: {
      sampling: {},
      elicitation: { form: { applyDefaults: true } },
      roots: { listChanged: true },
      // MCP Apps (the page renders a tool's ui:// view), and tasks of the 2026-07-28 revision.
      extensions: { ...UI_CAPABILITY, [TASKS_EXTENSION]: {} },
    },
    jsonSchemaValidator: SCHEMA_VALIDATOR,
    listMaxPages: MAX_LIST_PAGES,
    versionNegotiation: negotiationFor(config.protocol, start.timeoutMs),
    listChanged: { tools: { onChanged: (error, tools) => connection.toolListChanged(error, tools) } },
  });
  let closed!: () => void;
  const exited = new Promise<void>((resolve) => (closed = resolve));
  const connection = new McpConnection(config, client, transport, exited, roots, auth);
  client.onclose = () => {
    closed();
    connection.closedBy();
  };
  // The whole start (era probe, handshake, tool list) within the start timeout. The probe does not
  // follow the signal: closing the transport is what stops it.
  const deadline = AbortSignal.any([start.signal, AbortSignal.timeout(start.timeoutMs)]);
  const stopProbe = () => void transport.close().catch(() => undefined);
  deadline.addEventListener('abort', stopProbe, { once: true });
  const options = { timeout: start.timeoutMs, maxTotalTimeout: start.timeoutMs, signal: deadline };
  traceRequests(transport);
  try {
    await client.connect(transport, { ...options, prior: start.verdicts?.prior(config) });
    acceptTaskResults(transport);
    start.verdicts?.record(config, client);
    await connection.ready(options);
    return connection;
  } catch (error) {
    start.verdicts?.forget(config);
    // A failed connect starts closing by itself without waiting; wait here, so that a server
    // which failed to start has exited by the time the failure is reported.
    connection.closing = true;
    if (!neverSpawned(config, error)) {
      await client.close().catch(() => undefined);
      // A remote server has no process; a client that never connected may not report itself closed.
      await settleWithin([exited], config.transport === 'stdio' ? CLOSE_GRACE_MS : 0);
    }
    const timedOut = error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout;
    if (timedOut || (deadline.aborted && !start.signal.aborted)) {
      throw new Error(`timed out after ${start.timeoutMs} ms (MCP_START_TIMEOUT_MS)`, { cause: error });
    }
    throw error;
  } finally {
    deadline.removeEventListener('abort', stopProbe);
  }
}

/**
 * True when a stdio start failed before the session's process existed: its command could not be
 * spawned, or the era probe (which the SDK runs on a sibling process it reaps) failed or was cut
 * short. There is no process to wait for, and none would ever report itself closed.
 */
function neverSpawned(config: McpServerConfig, error: unknown): boolean {
  return (
    config.transport === 'stdio' &&
    ((error as NodeJS.ErrnoException).syscall?.startsWith('spawn') === true ||
      (error instanceof SdkError && error.code === SdkErrorCode.EraNegotiationFailed))
  );
}
