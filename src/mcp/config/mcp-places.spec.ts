import { existsSync, mkdirSync } from 'node:fs';

import { fakeServer } from '../../../test/fakes/fake-mcp';
import { validateEnvironment } from '../../config/validate-environment';
import { McpPlaces } from './mcp-places';

const loaded = { servers: [], source: 'test', workspaceDir: '/srv/workspace' };
const WORKSPACE = [{ uri: 'file:///srv/workspace', name: 'workspace' }];

describe(McpPlaces.name, () => {
  let places: McpPlaces;

  beforeEach(() => {
    places = new McpPlaces(loaded, validateEnvironment({ USERS_DIR: '/srv/users' }));
  });

  it("should name each principal's folder by its token: readable when the id allows, a digest when not", () => {
    expect(places.userDir('key:alice')).toBe('/srv/users/key.alice');
    expect(places.userDir('jwt:../etc')).toMatch(/^\/srv\/users\/jwt--[0-9a-f]{32}$/);
    expect(places.userDir('key:alice')).not.toBe(places.userDir('jwt:alice'));
  });

  it("should root everything at the workspace single-user, and pre-start servers with the one user's places", () => {
    expect(places.perUser).toBe(false);
    expect(places.rootsFor('local')).toEqual(WORKSPACE);
    expect(places.unowned).toEqual(WORKSPACE);
    const memory = fakeServer('memory', { env: { MEMORY_FILE_PATH: '${USER_DIR}/memory.jsonl' } });
    expect(places.pooled(memory)).toMatchObject({ env: { MEMORY_FILE_PATH: '/srv/users/local/memory.jsonl' } });
    expect(places.catalog()).toMatchObject({ userId: 'local', userDir: '/srv/users/local' });
  });

  it("should keep users apart with authentication: each session its owner's folder, no one's files before one", () => {
    places = new McpPlaces(
      loaded,
      validateEnvironment({ USERS_DIR: '/srv/users', AUTH_API_KEYS: 'alice:0123456789abcdef' }),
    );
    expect(places.rootsFor('key:alice')).toEqual([{ uri: 'file:///srv/users/key.alice', name: 'your folder' }]);
    expect(places.unowned).toEqual([]);
    const memory = fakeServer('memory', { env: { MEMORY_FILE_PATH: '${USER_DIR}/memory.jsonl' } });
    expect(places.pooled(memory)).toBe(memory);
    expect(places.catalog()).toMatchObject({
      userId: 'catalog',
      userDir: expect.stringContaining(places.sessionsRoot),
    });
  });

  it("should keep its sessions' folders under a root of its own, removed at shutdown", async () => {
    const other = new McpPlaces(loaded, validateEnvironment({}));
    expect(other.sessionsRoot).not.toBe(places.sessionsRoot);
    mkdirSync(places.catalog().sessionDir, { recursive: true });
    await places.removeSessionFolders();
    expect(existsSync(places.sessionsRoot)).toBe(false);
  });
});
