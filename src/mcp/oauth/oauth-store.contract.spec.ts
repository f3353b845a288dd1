import { redisForBackend } from '../../../test/helpers/redis-server';
import { MemoryOAuthStore } from './memory-oauth-store';
import type { OAuthStore } from './oauth-store';
import { RedisOAuthStore } from './redis-oauth-store';

// Every OAuthStore implementation runs this same contract.
describe.each<[string]>([['memory'], ['redis']])('OAuthStore contract: %s', (backend) => {
  const redis = redisForBackend(backend);
  let store: OAuthStore;

  beforeEach(() => {
    const service = redis();
    store = service ? new RedisOAuthStore(service) : new MemoryOAuthStore();
  });

  it('should keep, read, take once and delete values', async () => {
    await store.set('tokens:a:alice', '{"t":1}');
    expect(await store.get('tokens:a:alice')).toBe('{"t":1}');
    expect(await store.get('tokens:a:bob')).toBeUndefined();
    await store.set('flow:s1', 'flow');
    expect(await store.take('flow:s1')).toBe('flow');
    expect(await store.take('flow:s1')).toBeUndefined();
    await store.delete('tokens:a:alice');
    expect(await store.get('tokens:a:alice')).toBeUndefined();
  });

  it('should forget a value once its time is up', async () => {
    await store.set('pending:a:alice', 'url', 30);
    expect(await store.get('pending:a:alice')).toBe('url');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.get('pending:a:alice')).toBeUndefined();
  });

  it('should give a lock to one holder at a time, and again once released or expired', async () => {
    const first = await store.lock('refresh:a:alice', 10_000);
    expect(first).toBeDefined();
    expect(await store.lock('refresh:a:alice', 10_000)).toBeUndefined();
    expect(await store.lock('refresh:a:bob', 10_000)).toBeDefined();
    await first!();
    const second = await store.lock('refresh:a:alice', 30);
    expect(second).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 80));
    const third = await store.lock('refresh:a:alice', 10_000);
    expect(third).toBeDefined();
    // A holder whose lock expired and was taken does not release the new holder's.
    await second!();
    expect(await store.lock('refresh:a:alice', 10_000)).toBeUndefined();
  });
});
