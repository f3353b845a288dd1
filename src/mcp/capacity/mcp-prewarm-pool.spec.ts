import { FakeConnector, fakeRemote, fakeServer } from '../../../test/fakes/fake-mcp';
import { EraVerdicts } from '../client/mcp-era';
import { PrewarmPool } from './mcp-prewarm-pool';
import { ProcessBudget } from './mcp-process-budget';

const everything = fakeServer('everything');
const other = fakeServer('other');

/** Resolves once the pool's starts under way have ended (each start is one awaited fake connect). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe(PrewarmPool.name, () => {
  let connector: FakeConnector;
  let budget: ProcessBudget;
  let pool: PrewarmPool;

  const newPool = (size: number, max = 10) => {
    budget = new ProcessBudget(max);
    pool = new PrewarmPool(size, budget, [{ uri: 'file:///workspace', name: 'workspace' }], {
      timeoutMs: 1000,
      verdicts: new EraVerdicts(),
      connect: connector.connect,
    });
  };

  beforeEach(() => {
    connector = new FakeConnector();
    newPool(2);
  });

  afterEach(async () => {
    await pool.close();
  });

  it('should pre-start its size of clients per eligible server, each holding a process place', async () => {
    pool.fill([everything, other]);
    await settled();
    expect(pool.count('everything')).toBe(2);
    expect(pool.count('other')).toBe(2);
    expect(budget.used).toBe(4);
    expect(connector.labels).toEqual(Array(4).fill('pre-warm pool'));
  });

  it('should leave out servers whose command line depends on the session, shared, disabled and remote ones', async () => {
    pool.fill([
      fakeServer('per-session', { args: ['${SESSION_DIR}'] }),
      fakeServer('shared', { scope: 'shared' }),
      fakeServer('off', { disabled: true }),
      fakeRemote('remote'),
    ]);
    await settled();
    expect(connector.opened).toEqual([]);
  });

  it('should use only free places: pre-warming never takes one a session could need', async () => {
    newPool(2, 1);
    pool.fill([everything]);
    await settled();
    expect(pool.count('everything')).toBe(1);
    expect(budget.used).toBe(1);
  });

  it('should hand a session a started client for exactly its config, and start a replacement', async () => {
    pool.fill([everything]);
    await settled();
    const taken = pool.take(everything);
    expect(taken).toBe(connector.opened[0]);
    await settled();
    expect(pool.count('everything')).toBe(2);
    expect(connector.opened).toHaveLength(3);

    expect(pool.take({ ...everything, args: ['--another'] })).toBeUndefined();
  });

  it("should let the catalog wait for a server's first client and leave it in the pool", async () => {
    let open!: () => void;
    connector.gate = new Promise((resolve) => (open = resolve));
    pool.fill([everything]);
    const peeked = pool.peek(everything);
    open();
    expect(await peeked).toBe(connector.opened[0]);
    expect(pool.count('everything')).toBe(2);
  });

  it('should tell the catalog there is no client when the starts fail', async () => {
    connector.failing = 'spawn failed';
    pool.fill([everything]);
    expect(await pool.peek(everything)).toBeUndefined();
    expect(budget.used).toBe(0);
  });

  it('should forget a client whose server died while it waited', async () => {
    pool.fill([everything]);
    await settled();
    connector.opened[0].crash();
    expect(pool.count('everything')).toBe(1);
  });

  it('should close its oldest idle client when a session needs the place', async () => {
    pool.fill([everything]);
    await settled();
    expect(await pool.reclaim()).toBe(true);
    expect(connector.opened[0].closed).toBe(true);
    expect(pool.count('everything')).toBe(1);
    await settled();
    expect(budget.used).toBe(1);
  });

  it('should close every client, and those still starting, when it closes', async () => {
    let open!: () => void;
    pool.fill([everything]);
    await settled();
    connector.gate = new Promise((resolve) => (open = resolve));
    pool.take(everything);
    const closing = pool.close();
    open();
    await closing;
    // The taken client is its session's now; the idle one and the one that was starting are closed.
    expect(connector.opened).toHaveLength(3);
    expect(connector.live()).toEqual([connector.opened[0]]);
    expect(budget.used).toBe(1);
  });
});
