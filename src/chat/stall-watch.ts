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
