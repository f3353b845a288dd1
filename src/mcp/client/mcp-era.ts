import type { Client, DiscoverResult, PriorDiscovery, VersionNegotiationOptions } from '@modelcontextprotocol/client';

import type { McpServerConfig, ProtocolChoice } from '../config/mcp-config';

/** The revision a pinned 2026 server must offer. */
export const MODERN_REVISION = '2026-07-28';

/**
 * What the SDK client is told to do at connect, per the server's `protocol` setting. The probe gets
 * half the start time: a stdio server that does not answer it in time is taken for a 2025 one, and
 * the rest is for its initialize.
 */
export function negotiationFor(protocol: ProtocolChoice, startTimeoutMs: number): VersionNegotiationOptions {
  const probe = { timeoutMs: Math.max(1, Math.floor(startTimeoutMs / 2)) };
  switch (protocol) {
    case 'auto':
      return { mode: 'auto', probe };
    case '2025-11-25':
      return { mode: 'legacy' };
    case '2026-07-28':
      return { mode: { pin: MODERN_REVISION }, probe };
  }
}

/**
 * How each `auto` stdio server answered the era probe, so that its later starts skip it: the SDK
 * probes a stdio server on a sibling process, one more spawn per start. Keyed by server name (the
 * configuration is fixed for the life of the process); a start that fails forgets the verdict, so
 * the next one probes again. Remote servers are probed on the connection itself, at the cost of
 * one round trip, and an answer given to one principal is not reused for another.
 */
export class EraVerdicts {
  private readonly verdicts = new Map<string, PriorDiscovery>();

  prior(config: McpServerConfig): PriorDiscovery | undefined {
    return remembered(config) ? this.verdicts.get(config.name) : undefined;
  }

  record(config: McpServerConfig, client: Client): void {
    if (!remembered(config)) {
      return;
    }
    const discover: DiscoverResult | undefined = client.getDiscoverResult();
    this.verdicts.set(
      config.name,
      client.getProtocolEra() === 'modern' && discover ? { kind: 'modern', discover } : { kind: 'legacy' },
    );
  }

  forget(config: McpServerConfig): void {
    this.verdicts.delete(config.name);
  }
}

function remembered(config: McpServerConfig): boolean {
  return config.transport === 'stdio' && config.protocol === 'auto';
}
