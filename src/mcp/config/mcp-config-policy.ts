import type { ServerPolicy } from './mcp-config';

/** The optional keys' values when a server entry leaves them out. */
export const DEFAULT_POLICY: ServerPolicy = {
  scope: 'session',
  protocol: 'auto',
  disabled: false,
  timeoutMs: 60_000,
  maxTimeoutMs: 600_000,
  blockedTools: [],
  approvalTools: [],
};
const APPROVAL_MODES = ['never', 'always', 'writes'];
const PROTOCOLS: ReadonlyArray<ServerPolicy['protocol']> = ['auto', '2025-11-25', '2026-07-28'];
const MAX_TIMEOUT_MS = 86_400_000;

/** Reports a problem with the entry being parsed (naming it), and does not return. */
export type Fail = (problem: string) => never;

export function stringList(value: unknown, field: string, fail: Fail): string[] | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    return fail(`"${field}" must be an array of strings`);
  }
  return value as string[];
}

function timeout(value: unknown, field: string, fallback: number, fail: Fail): number {
  if (value === undefined) {
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
    return fail(`"${field}" must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
  }
  return value;
}

/** The keys every server entry may have: scope, protocol, timeouts, tool filters, approval. */
export function parsePolicy(entry: Record<string, unknown>, fail: Fail): ServerPolicy {
  if (entry.disabled !== undefined && typeof entry.disabled !== 'boolean') {
    fail('"disabled" must be true or false');
  }
  if (entry.scope !== undefined && entry.scope !== 'session' && entry.scope !== 'shared') {
    fail(`"scope" must be "session" or "shared", got ${JSON.stringify(entry.scope)}`);
  }
  if (entry.protocol !== undefined && !PROTOCOLS.includes(entry.protocol as ServerPolicy['protocol'])) {
    fail(`"protocol" must be "auto", "2025-11-25" or "2026-07-28", got ${JSON.stringify(entry.protocol)}`);
  }
  const timeoutMs = timeout(entry.timeout_ms, 'timeout_ms', DEFAULT_POLICY.timeoutMs, fail);
  const maxTimeoutMs = timeout(
    entry.max_timeout_ms,
    'max_timeout_ms',
    Math.max(DEFAULT_POLICY.maxTimeoutMs, timeoutMs),
    fail,
  );
  if (maxTimeoutMs < timeoutMs) {
    fail(`"max_timeout_ms" (${maxTimeoutMs}) must be at least "timeout_ms" (${timeoutMs})`);
  }
  const allowedTools = stringList(entry.allowed_tools, 'allowed_tools', fail);
  const blockedTools = stringList(entry.blocked_tools, 'blocked_tools', fail) ?? DEFAULT_POLICY.blockedTools;
  const both = blockedTools.find((tool) => allowedTools?.includes(tool));
  if (both) {
    fail(`tool "${both}" is in both "allowed_tools" and "blocked_tools"`);
  }
  if (entry.require_approval !== undefined && !APPROVAL_MODES.includes(entry.require_approval as string)) {
    fail(`"require_approval" must be "never", "always" or "writes", got ${JSON.stringify(entry.require_approval)}`);
  }
  return {
    scope: (entry.scope as ServerPolicy['scope'] | undefined) ?? DEFAULT_POLICY.scope,
    protocol: (entry.protocol as ServerPolicy['protocol'] | undefined) ?? DEFAULT_POLICY.protocol,
    disabled: (entry.disabled as boolean | undefined) ?? DEFAULT_POLICY.disabled,
    timeoutMs,
    maxTimeoutMs,
    allowedTools,
    blockedTools,
    requireApproval: entry.require_approval as ServerPolicy['requireApproval'],
    approvalTools: stringList(entry.approval_tools, 'approval_tools', fail) ?? DEFAULT_POLICY.approvalTools,
  };
}
