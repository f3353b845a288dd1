import { validateEnvironment } from '../config/validate-environment';
import { ArtifactsService } from './artifacts.service';
import { MemoryArtifactStore } from './memory-artifact-store';

const session = { id: 's1', owner: 'alice' };
const alice = { id: 'alice', admin: false };

describe(ArtifactsService.name, () => {
  const service = new ArtifactsService(
    new MemoryArtifactStore(1_000_000),
    validateEnvironment({ ARTIFACT_MAX_BYTES: '1024', ARTIFACT_TTL_MS: '60000' }),
  );

  it('should leave a result without files as it is', async () => {
    const result = { content: 'text', is_error: false };
    expect(await service.keep(session, result)).toBe(result);
  });

  it('should keep files up to ARTIFACT_MAX_BYTES and name the larger ones without keeping them', async () => {
    const small = Buffer.alloc(100, 1).toString('base64');
    const large = Buffer.alloc(2000, 1).toString('base64');
    const kept = await service.keep(session, {
      content: '[image 1: image/png]\n[image 2: image/png]',
      is_error: false,
      media: [
        { type: 'image', mime_type: 'image/png', data: small },
        { type: 'image', mime_type: 'image/png', data: large },
      ],
      links: [{ type: 'resource_link', uri: 'https://example.com/r', name: 'r' }],
    });
    expect(kept.items).toEqual([
      {
        type: 'image',
        mime_type: 'image/png',
        size: 100,
        url: expect.stringMatching(/^\/api\/v3\/sessions\/s1\/artifacts\/[\w-]{22}$/),
      },
      { type: 'image', mime_type: 'image/png', size: 2000, note: 'larger than ARTIFACT_MAX_BYTES (1024): not kept' },
      { type: 'resource_link', uri: 'https://example.com/r', name: 'r' },
    ]);
    const id = kept.items![0].url!.split('/').at(-1)!;
    expect((await service.read(alice, 's1', id)).data).toEqual(Buffer.alloc(100, 1));
  });

  it('should let whoever may read the session fetch a file, and no one else, as if it did not exist', async () => {
    const kept = await service.keep(session, {
      content: '',
      is_error: false,
      media: [{ type: 'audio', mime_type: 'audio/wav', data: 'UklGRg==' }],
    });
    const id = kept.items![0].url!.split('/').at(-1)!;
    const notFound = { code: 'NOT_FOUND' };
    await expect(service.read({ id: 'bob', admin: false }, 's1', id)).rejects.toMatchObject(notFound);
    await expect(service.read(alice, 's2', id)).rejects.toMatchObject(notFound);
    await expect(service.read(alice, 's1', '../../etc/passwd')).rejects.toMatchObject(notFound);
    // An administrator may read any session, so its files too.
    expect((await service.read({ id: 'ops', admin: true }, 's1', id)).mime_type).toBe('audio/wav');
  });
});
