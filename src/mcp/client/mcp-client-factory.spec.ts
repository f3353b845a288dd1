import { FakeConnector, fakeRemote, fakeServer } from '../../../test/fakes/fake-mcp';
import { RecordingHost } from '../../../test/fixtures/recording-host';
import { validateEnvironment } from '../../config/validate-environment';
import { MetricsRegistry } from '../../metrics/metrics-registry';
import { PrewarmPool } from '../capacity/mcp-prewarm-pool';
import { ProcessBudget } from '../capacity/mcp-process-budget';
import { McpServerBoard } from '../catalog/mcp-server-board';
import { McpPlaces } from '../config/mcp-places';
import { McpMetrics } from '../mcp.metrics';
import type { McpOAuthService } from '../oauth/mcp-oauth.service';
import { McpClientFactory } from './mcp-client-factory';
import { EraVerdicts } from './mcp-era';

const start = { timeoutMs: 1000, signal: new AbortController().signal };
const everything = fakeServer('everything');
const shared = fakeServer('search', { scope: 'shared' });
const remote = fakeRemote('remote');

describe(McpClientFactory.name, () => {
  let connector: FakeConnector;
  let board: McpServerBoard;
  let providerFor: jest.Mock;
  let factory: McpClientFactory;

  const newFactory = (env: Record<string, string> = {}) => {
    const app = validateEnvironment({ USERS_DIR: '/srv/users', ...env });
    const places = new McpPlaces({ servers: [], source: 'test', workspaceDir: '/srv/workspace' }, app);
    const budget = new ProcessBudget(10);
    const verdicts = new EraVerdicts();
    board = new McpServerBoard([everything, shared, remote], new McpMetrics(new MetricsRegistry()));
    const pool = new PrewarmPool(0, budget, [], { timeoutMs: 1000, verdicts, connect: connector.connect });
    const oauth = { providerFor } as unknown as McpOAuthService;
    factory = new McpClientFactory(board, budget, pool, verdicts, places, connector.connect, app, oauth);
  };

  beforeEach(() => {
    connector = new FakeConnector();
    providerFor = jest.fn(() => ({ name: 'oauth provider' }));
    newFactory();
  });

  afterEach(async () => {
    await factory.closeShared();
    await Promise.all([...board.clients()].map((client) => client.close()));
  });

  it("should give each session its own client of a session-scoped server, on the workspace's roots single-user", async () => {
    const a = factory.clientFor(everything, new RecordingHost('a'));
    const b = factory.clientFor(everything, new RecordingHost('b'));
    expect(a).not.toBe(b);
    await Promise.all([a.ensureReady(start), b.ensureReady(start)]);
    expect(connector.labels).toEqual(['session a', 'session b']);
    expect(connector.opened[0].roots).toEqual([{ uri: 'file:///srv/workspace', name: 'workspace' }]);
    expect(board.clients()).toEqual(new Set([a, b]));
  });

  it("should root a session's servers at its owner's folder when users are kept apart", async () => {
    newFactory({ AUTH_API_KEYS: 'alice:0123456789abcdef' });
    await factory.clientFor(everything, new RecordingHost('a', 'key:alice')).ensureReady(start);
    expect(connector.opened[0].roots).toEqual([{ uri: 'file:///srv/users/key.alice', name: 'your folder' }]);
  });

  it('should give every session the one client of a shared server, until closeShared', async () => {
    const first = factory.clientFor(shared, new RecordingHost('a'));
    expect(factory.clientFor(shared, new RecordingHost('b'))).toBe(first);
    expect(factory.sharedClient(shared)).toBe(first);
    await first.ensureReady(start);
    expect(connector.labels).toEqual(['all sessions']);

    await factory.closeShared();
    expect(first.status).toBe('closed');
    expect(factory.sharedClient(shared)).not.toBe(first);
  });

  it("should hand a remote server the OAuth client of the session's owner, and a stdio server none", () => {
    factory.clientFor(remote, new RecordingHost('a', 'key:alice'));
    factory.clientFor(everything, new RecordingHost('a', 'key:alice'));
    expect(providerFor).toHaveBeenCalledTimes(1);
    expect(providerFor).toHaveBeenCalledWith(remote, 'key:alice');
  });
});
