import { setTimeout as delay } from 'node:timers/promises';

/**
 * Waits for every promise to settle, but no longer than the bound (or until `cut` aborts): shutdown
 * must not hang on a stuck client.
 */
export async function settleWithin(promises: Promise<unknown>[], ms: number, cut?: AbortSignal): Promise<void> {
  const bound = new AbortController();
  const signal = cut ? AbortSignal.any([bound.signal, cut]) : bound.signal;
  await Promise.race([Promise.allSettled(promises), delay(ms, undefined, { signal }).catch(() => undefined)]);
  bound.abort();
}
