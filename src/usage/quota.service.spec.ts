import { validateEnvironment } from '../config/validate-environment';
import { MemoryUsageStore } from './memory-usage.store';
import { QuotaService } from './quota.service';

const DAY = '2026-12-07';
const at = (time: string) => Date.parse(`${DAY}T${time}Z`);
const tokens = (total: number) => ({ input_tokens: total - 1, output_tokens: 1, total_tokens: total });

describe(QuotaService.name, () => {
  let store: MemoryUsageStore;
  let quotas: QuotaService;

  beforeEach(() => {
    store = new MemoryUsageStore(86_400_000);
    quotas = new QuotaService(
      store,
      validateEnvironment({ QUOTA_TOKENS_PER_DAY: '100', QUOTA_OVERRIDES: 'key:ci:1000,jwt:a:b:0' }),
    );
  });

  it('should take the override of a principal (colons in its id), 0 meaning unlimited', () => {
    expect(quotas.limitOf('key:alice')).toBe(100);
    expect(quotas.limitOf('key:ci')).toBe(1000);
    expect(quotas.limitOf('jwt:a:b')).toBeUndefined();
    expect(quotas.enabled).toBe(true);
  });

  it('should refuse at the quota until the next UTC midnight, then count again', async () => {
    await store.record('key:alice', 'fast', DAY, tokens(60));
    await expect(quotas.assertUnder('key:alice', at('23:00:00'))).resolves.toBeUndefined();
    await store.record('key:alice', 'claude', DAY, tokens(40));
    await expect(quotas.assertUnder('key:alice', at('23:59:30'))).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
      retryAfterSeconds: 30,
      message: expect.stringContaining('2026-12-08T00:00:00.000Z'),
    });
    // The day rolled over: yesterday's tokens no longer count.
    await expect(quotas.assertUnder('key:alice', at('23:59:30') + 60_000)).resolves.toBeUndefined();
    expect(await quotas.view('key:alice', at('12:00:00'))).toEqual({
      tokens_per_day: 100,
      used_today: 100,
      resets_at: '2026-12-08T00:00:00.000Z',
    });
    // Others have their own count.
    await expect(quotas.assertUnder('key:bob', at('23:59:30'))).resolves.toBeUndefined();
  });

  it('should refuse a bad QUOTA_OVERRIDES at start-up, naming the entry', () => {
    expect(() => validateEnvironment({ QUOTA_OVERRIDES: 'key:alice:lots' })).toThrow(
      /QUOTA_OVERRIDES entry "key:alice:lots"/,
    );
    expect(() => validateEnvironment({ QUOTA_OVERRIDES: '500' })).toThrow(/QUOTA_OVERRIDES entry "500"/);
  });
});
