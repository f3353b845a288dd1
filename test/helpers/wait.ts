import { readFileSync } from 'node:fs';

/** Polls until the check holds (no fixed sleeps); fails naming what it waited for. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The lines a fixture appended to a file (none while the file does not exist). */
export function linesOf(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** What a client sent an MCP server behind the recording proxy, as JSON-RPC messages. */
export const sentTo = (file: string): Array<{ id?: number; method?: string; params?: Record<string, unknown> }> =>
  linesOf(file).map((line) => JSON.parse(line) as { method?: string });
