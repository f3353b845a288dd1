import { fakeServer, tool } from '../../../test/fakes/fake-mcp';
import { MetricsRegistry } from '../../metrics/metrics-registry';
import type { ClientState, ServerStatusChange } from '../client/mcp-client-host';
import type { SupervisedClient } from '../client/supervised-client';
import { McpMetrics } from '../mcp.metrics';
import { McpServerBoard } from './mcp-server-board';

/** A supervised client without a server: the test moves its state. */
class FakeClient {
  tools = [tool('echo'), tool('add')];
  protocolVersion?: string = '2025-11-25';
  live = false;
  private listener?: (change: ServerStatusChange) => void;

  constructor(readonly config = fakeServer('everything')) {}

  get name(): string {
    return this.config.name;
  }

  onStatus(listener: (change: ServerStatusChange) => void): () => void {
    this.listener = listener;
    return () => (this.listener = undefined);
  }

  move(state: ClientState, reason?: string, attempt?: number): void {
    this.live = state === 'ready';
    this.listener?.({ server: this.name, state, reason, attempt, tools: this.tools.map((t) => t.name) });
  }
}

const asClient = (fake: FakeClient) => fake as unknown as SupervisedClient;

describe(McpServerBoard.name, () => {
  let metrics: McpMetrics;
  let board: McpServerBoard;

  beforeEach(() => {
    metrics = new McpMetrics(new MetricsRegistry());
    board = new McpServerBoard(
      [fakeServer('everything', { allowedTools: ['echo'] }), fakeServer('off', { disabled: true })],
      metrics,
    );
  });

  it('should list every configured server idle with its catalog pending, and a disabled one as disabled', () => {
    expect(board.statuses(() => 0).map(({ name, status, catalog }) => ({ name, status, catalog }))).toEqual([
      { name: 'everything', status: 'idle', catalog: 'pending' },
      { name: 'off', status: 'disabled', catalog: 'none' },
    ]);
    expect(board.cataloguing).toBe(true);
  });

  it("should follow a client's start: its tools as the model sees them, its revision and live connections", () => {
    const client = new FakeClient(fakeServer('everything', { allowedTools: ['echo'] }));
    board.track(asClient(client));
    client.move('starting');
    client.move('ready');
    const [status] = board.statuses((server) => (server === 'everything' ? 3 : 0));
    expect(status).toMatchObject({
      status: 'ready',
      connections: 1,
      prewarmed: 3,
      protocol_version: '2025-11-25',
      tools: [{ name: 'echo' }],
    });
    expect([...board.clients()]).toEqual([client]);
  });

  it('should show a failure as last_error, and clear it once a client is ready again', () => {
    const client = new FakeClient();
    board.track(asClient(client));
    client.move('starting');
    client.move('error', 'spawn ENOENT');
    expect(board.statuses(() => 0)[0]).toMatchObject({ status: 'error', last_error: 'spawn ENOENT' });
    client.move('ready');
    expect(board.statuses(() => 0)[0]).not.toHaveProperty('last_error');
  });

  it("should show what a session's clients saw to its owner and administrators only", () => {
    board.catalogued(fakeServer('everything'), { tools: [tool('echo')], prompts: [], resourceTemplates: [] });
    const alices = new FakeClient(fakeServer('everything'));
    alices.tools = [tool('echo'), tool('secret-plan')];
    board.track(asClient(alices), 'key:alice');
    alices.move('ready');
    alices.move('error', 'exited: /home/alice/private failed');
    const view = (id: string, admin = false) => board.statuses(() => 0, { id, admin })[0];

    expect(view('key:alice')).toMatchObject({
      last_error: 'exited: /home/alice/private failed',
      tools: [{ name: 'echo' }, { name: 'secret-plan' }],
    });
    expect(view('key:ops', true)).toMatchObject({ last_error: 'exited: /home/alice/private failed' });
    // Anyone else: what discovery found, and no error of hers.
    expect(view('key:bob')).not.toHaveProperty('last_error');
    expect(view('key:bob').tools).toEqual([expect.objectContaining({ name: 'echo' })]);

    // A shared client's failure is everyone's; what alice's sessions saw goes with her last client.
    const shared = new FakeClient(fakeServer('everything'));
    board.track(asClient(shared));
    shared.move('error', 'the shared server failed');
    expect(view('key:bob')).toMatchObject({ last_error: 'the shared server failed' });
    alices.move('closed');
    expect(view('key:alice')).toMatchObject({ last_error: 'the shared server failed' });
  });

  it('should put back the state a start found when the process cap cuts it short', () => {
    const client = new FakeClient();
    board.track(asClient(client));
    client.move('starting');
    client.move('ready');
    client.move('starting');
    client.move('idle');
    expect(board.statuses(() => 0)[0].status).toBe('ready');
  });

  it('should count one restart per crash, not per attempt, by server', async () => {
    const client = new FakeClient();
    board.track(asClient(client));
    client.move('restarting', 'exited', 0);
    client.move('restarting', 'exited again', 1);
    client.move('ready', 'restarted', 2);
    const counted = await metrics.restarts.get();
    expect(counted.values).toEqual([expect.objectContaining({ labels: { server: 'everything' }, value: 1 })]);
  });

  it('should stop following a closed client', () => {
    const client = new FakeClient();
    board.track(asClient(client));
    client.move('ready');
    client.move('closed');
    expect(board.clients().size).toBe(0);
    expect(board.statuses(() => 0)[0].connections).toBe(0);
  });

  it("should keep discovery's listing, and its failure, for the catalog", () => {
    board.catalogued(fakeServer('everything', { allowedTools: ['echo'] }), {
      tools: [tool('echo'), tool('add')],
      prompts: [{ name: 'greet' }],
      resourceTemplates: [],
      protocolVersion: '2026-07-28',
    });
    expect(board.statuses(() => 0)[0]).toMatchObject({
      catalog: 'listed',
      tools: [{ name: 'echo' }],
      prompts: [{ name: 'greet' }],
      protocol_version: '2026-07-28',
    });
    expect(board.cataloguing).toBe(false);

    board.catalogFailed('everything', 'timed out');
    expect(board.statuses(() => 0)[0]).toMatchObject({ catalog: 'failed', last_error: 'timed out' });
  });

  it("should call a listing stale once its cache hint lapsed, unless a live client follows the server's changes", () => {
    const listing = { tools: [tool('echo')], prompts: [], resourceTemplates: [], ttlMs: 1000 };
    board.catalogued(fakeServer('everything'), listing);
    const now = Date.now();
    expect(board.stale(now)).toEqual([]);
    expect(board.stale(now + 1000)).toEqual(['everything']);

    const client = new FakeClient();
    board.track(asClient(client));
    client.move('ready');
    expect(board.stale(now + 1000)).toEqual([]);
  });
});
