import { RateLimiter } from './rate-limiter';

describe(RateLimiter.name, () => {
  it('should allow the limit per minute and refuse the next with RATE_LIMITED', () => {
    const limiter = new RateLimiter(2);
    limiter.consume('a', 0);
    limiter.consume('a', 1);
    expect(() => limiter.consume('a', 2)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    limiter.consume('b', 2);
  });

  it('should allow again once the window has slid past the oldest message', () => {
    const limiter = new RateLimiter(1);
    limiter.consume('a', 0);
    expect(() => limiter.consume('a', 59_999)).toThrow(/retry in 1 s/);
    expect(() => limiter.consume('a', 60_001)).not.toThrow();
  });

  it('should not limit at all when the limit is 0', () => {
    const limiter = new RateLimiter(0);
    expect(() => {
      for (let i = 0; i < 1000; i++) {
        limiter.consume('a', i);
      }
    }).not.toThrow();
  });
});
