// setTimeout holds at most a signed 32-bit delay.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs `expire` when a credential's expiry comes; nothing for one that does not expire (or lasts past the timer). */
export function whenExpired(expiresAt: number | undefined, expire: () => void): NodeJS.Timeout | undefined {
  if (expiresAt === undefined) {
    return undefined;
  }
  const delay = expiresAt - Date.now();
  if (delay > MAX_TIMER_MS) {
    return undefined;
  }
  const timer = setTimeout(expire, Math.max(delay, 0));
  timer.unref();
  return timer;
}
