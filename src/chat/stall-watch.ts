import type { Observable, Subscription } from 'rxjs';

import type { SendBacklog } from './send-backlog';

// How often a dropped connection's progress is looked at.
const CHECKS_PER_GRACE = 5;

/**
 * Cuts a dropped connection off once the bytes it still holds in this process (`pending`) have not
 * gone down for `graceMs`: a client that is still reading, however slowly, gets to the end of what
 * it was sent, and the reason after it. Once nothing is pending the rest is in the kernel's buffers,
 * not ours, and the watch ends. Returns a function that ends it early (the connection closed).
 */
export function cutOffWhenStalled(pending: () => number, graceMs: number, cut: () => void): () => void {
  let last = pending();
  let stalledMs = 0;
  const step = graceMs / CHECKS_PER_GRACE;
  const timer = setInterval(() => {
    const now = pending();
    if (now === 0) {
      clearInterval(timer);
      return;
    }
    stalledMs = now < last ? 0 : stalledMs + step;
    last = now;
    if (stalledMs >= graceMs) {
      clearInterval(timer);
      cut();
    }
  }, step);
  timer.unref();
  return () => clearInterval(timer);
}

/** Why a connection that stopped taking what it was sent was dropped (an SSE comment, a close reason). */
export const stalledReason = (bytes: number, stallMs: number): string =>
  `STREAM_BUFFER_EXCEEDED: ${bytes} bytes unsent with no progress for ${stallMs} ms (STREAM_STALL_MS); resume from the last event id`;

/**
 * Watches one connection on a shared tick (epoch ms): once it has held unsent bytes with no write
 * reported for `stallMs`, `onStall` is called with what it holds, once. A quiet session does not
 * hide a stalled client: the tick needs no event.
 */
export function watchForStall(
  backlog: SendBacklog,
  ticks: Observable<number>,
  stallMs: number,
  onStall: (bytes: number) => void,
): Subscription {
  let progress = backlog.progress;
  let since: number | undefined;
  const subscription = ticks.subscribe((now) => {
    if (backlog.bytes === 0 || backlog.progress !== progress) {
      progress = backlog.progress;
      since = backlog.bytes === 0 ? undefined : now;
      return;
    }
    since ??= now;
    if (now - since >= stallMs) {
      subscription.unsubscribe();
      onStall(backlog.bytes);
    }
  });
  return subscription;
}
