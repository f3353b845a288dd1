import { redisForBackend } from '../../test/helpers/redis-server';
import type { Artifact, ArtifactStore, ViewRecord } from './artifact-store';
import { MemoryArtifactStore } from './memory-artifact-store';
import { RedisArtifactStore } from './redis-artifact-store';

const png = (session: string, bytes = 64): Artifact => ({
  session_id: session,
  owner: 'alice',
  mime_type: 'image/png',
  data: Buffer.alloc(bytes, 7),
  name: 'chart.png',
});

// Every ArtifactStore implementation runs this same contract.
describe.each<[string]>([['memory'], ['redis']])('ArtifactStore contract: %s', (backend) => {
  const redis = redisForBackend(backend);
  let store: ArtifactStore;

  beforeEach(() => {
    const service = redis();
    store = service ? new RedisArtifactStore(service) : new MemoryArtifactStore(10_000);
  });

  it('should keep an artifact, byte for byte, under an unguessable id of its session only', async () => {
    const artifact = png('s1');
    const id = await store.put(artifact, 60_000);
    expect(id).toMatch(/^[\w-]{22}$/);
    expect(await store.get('s1', id)).toEqual(artifact);
    expect(await store.get('s2', id)).toBeUndefined();
    expect(await store.get('s1', 'not-an-id')).toBeUndefined();
    expect(await store.put(artifact, 60_000)).not.toBe(id);
  });

  it('should keep binary data that is not text', async () => {
    const data = Buffer.from([0, 255, 128, 10, 13, 0]);
    const id = await store.put({ ...png('s1'), data, name: undefined }, 60_000);
    expect(await store.get('s1', id)).toEqual({ session_id: 's1', owner: 'alice', mime_type: 'image/png', data });
  });

  it("should keep a view's record beside its HTML", async () => {
    const view: ViewRecord = {
      uri: 'ui://counter/view.html',
      csp: {
        connect_domains: [],
        resource_domains: ['https://cdn.example.com'],
        frame_domains: [],
        base_uri_domains: [],
      },
      permissions: ['clipboard-write'],
      prefers_border: true,
      server: 'counter',
      tool: { name: 'show_counter', description: '', input_schema: { type: 'object' } },
      arguments: {},
      result: { content: [{ type: 'text', text: 'The counter is at 0' }], structuredContent: { count: 0 } },
    };
    const artifact = { ...png('s1'), mime_type: 'text/html;profile=mcp-app', data: Buffer.from('<p>hi</p>'), view };
    const id = await store.put(artifact, 60_000);
    expect(await store.get('s1', id)).toEqual(artifact);
  });

  it('should open an artifact with a ticket once, and not after it expired', async () => {
    const target = { session_id: 's1', id: await store.put(png('s1'), 60_000) };
    const ticket = await store.ticket(target, 60_000);
    expect(ticket).toMatch(/^[\w-]{32}$/);
    expect(await store.redeem('not-a-ticket')).toBeUndefined();
    expect(await store.redeem(ticket)).toEqual(target);
    expect(await store.redeem(ticket)).toBeUndefined();
    const brief = await store.ticket(target, 30);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.redeem(brief)).toBeUndefined();
  });

  it('should forget an artifact once its time is up', async () => {
    const id = await store.put(png('s1'), 30);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.get('s1', id)).toBeUndefined();
  });
});

describe('MemoryArtifactStore', () => {
  it('should stay within its byte budget, letting the oldest go first', async () => {
    const store = new MemoryArtifactStore(200);
    const first = await store.put(png('s', 100), 60_000);
    const second = await store.put(png('s', 100), 60_000);
    const third = await store.put(png('s', 100), 60_000);
    expect(await store.get('s', first)).toBeUndefined();
    expect(await store.get('s', second)).toBeDefined();
    expect(await store.get('s', third)).toBeDefined();
  });
});
