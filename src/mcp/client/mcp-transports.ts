import { Logger } from '@nestjs/common';
import { SdkHttpError, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { OAuthClientProvider, Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

import type { McpServerConfig, RemoteServerConfig, StdioServerConfig } from '../config/mcp-config';

export function stdioTransport(
  config: StdioServerConfig,
  label: string,
  onSpawn?: (child: ChildProcess) => void,
): StdioClientTransport {
  const transport = new StdioClientTransport({
    command: config.command,
    args: config.args,
    // The SDK adds only safe variables (PATH, HOME, ...): secrets of this server do not leak.
    env: config.env,
    cwd: config.cwd,
    stderr: 'pipe',
  });
  const stderrLogger = new Logger(`mcp:${config.name}`);
  const stderr = transport.stderr;
  if (stderr) {
    // Drained line by line: an unread pipe would fill and block the server.
    createInterface({ input: stderr as Readable }).on('line', (line) => stderrLogger.debug(`[${label}] ${line}`));
  }
  if (onSpawn) {
    // On the instance, not a subclass: the SDK probes the era on a sibling of the base class only.
    const start = transport.start.bind(transport);
    transport.start = async () => {
      await start();
      const child = (transport as unknown as { _process?: ChildProcess })._process;
      if (child) {
        onSpawn(child);
      }
    };
  }
  return transport;
}

/** `authProvider`: the principal's OAuth client, for servers that answer 401 with a protected-resource challenge. */
export function remoteTransport(
  config: RemoteServerConfig,
  kind: 'http' | 'sse',
  authProvider?: OAuthClientProvider,
): Transport {
  const options = { requestInit: { headers: config.headers }, authProvider };
  return kind === 'http'
    ? new StreamableHTTPClientTransport(new URL(config.url), options)
    : new SSEClientTransport(new URL(config.url), options);
}

/**
 * The transports to try, in order: Streamable HTTP first, then legacy SSE for a server that
 * refuses it (an HTTP 4xx answer to the initialize POST, as servers of the 2024-11-05 revision give).
 */
export function transportsFor(
  config: McpServerConfig,
  label: string,
  auth?: OAuthClientProvider,
  onSpawn?: (child: ChildProcess) => void,
): Array<() => Transport> {
  switch (config.transport) {
    case 'stdio':
      return [() => stdioTransport(config, label, onSpawn)];
    case 'sse':
      return [() => remoteTransport(config, 'sse', auth)];
    case 'http':
      return [() => remoteTransport(config, 'http', auth), () => remoteTransport(config, 'sse', auth)];
  }
}

/** True when a Streamable HTTP attempt was refused in a way that a legacy SSE server would refuse it. */
export function refusedByServer(error: unknown): boolean {
  // 401 and 403 are about credentials, which SSE would not fix.
  const code = error instanceof SdkHttpError ? error.status : 0;
  return code >= 400 && code < 500 && code !== 401 && code !== 403;
}
