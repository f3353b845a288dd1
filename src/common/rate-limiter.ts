import { AppException, ErrorCode } from './errors';

/**
 * Sliding one-minute window per key (a socket id or a client address). Keys with no hit in the
 * window are pruned every PRUNE_EVERY calls, so clients that went away cost nothing.
 */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();
  private calls = 0;
  private static readonly WINDOW_MS = 60_000;
  private static readonly PRUNE_EVERY = 1000;

  constructor(private readonly perMinute: number) {}

  consume(key: string, now = Date.now()): void {
    if (this.perMinute === 0) {
      return;
    }
    const since = now - RateLimiter.WINDOW_MS;
    if (++this.calls % RateLimiter.PRUNE_EVERY === 0) {
      this.prune(since);
    }
    const recent = (this.hits.get(key) ?? []).filter((at) => at > since);
    if (recent.length >= this.perMinute) {
      const retryInS = Math.ceil((recent[0] - since) / 1000);
      this.hits.set(key, recent);
      throw new AppException(
        ErrorCode.RATE_LIMITED,
        `Rate limit of ${this.perMinute} messages per minute reached; retry in ${retryInS} s`,
      );
    }
    recent.push(now);
    this.hits.set(key, recent);
  }

  forget(key: string): void {
    this.hits.delete(key);
  }

  private prune(since: number): void {
    for (const [key, times] of this.hits) {
      if (times[times.length - 1] <= since) {
        this.hits.delete(key);
      }
    }
  }
}
