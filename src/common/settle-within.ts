import { setTimeout as delay } from 'node:timers/promises';

/** Waits for every promise to settle, but no longer than the bound: shutdown must not hang on a stuck client. */
export async function settleWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
  const bound = new AbortController();
  await Promise.race([
    Promise.allSettled(promises),
    delay(ms, undefined, { signal: bound.signal }).catch(() => undefined),
  ]);
  bound.abort();
}
