import { waitForNoChildren } from './helpers/processes';
import { failureOf, quickBench } from './helpers/quick-bench';

/** The benchmark still runs (its figures are not asserted): latency, history and concurrency. */
describe('npm run bench -- --quick: latency, history, concurrency (smoke)', () => {
  afterAll(async () => {
    await waitForNoChildren(/app-process|llm-process|server-everything|main\.js|redis-server/);
  });

  it('should run the parts and end with one JSON line of figures and the table', async () => {
    const run = await quickBench(['latency', 'history', 'concurrency']);
    expect({ code: run.code, output: failureOf(run) }).toEqual({ code: 0, output: '' });
    expect(Object.keys(run.results)).toEqual(expect.arrayContaining(['machine', 'latency', 'history', 'concurrency']));
    expect(run.results.latency).toMatchObject({
      bare: { n: 20, p50: expect.any(Number) },
      raw: { n: 20 },
      socketio: { n: 20 },
      sse: { n: 20 },
      post: { n: 20 },
    });
    expect(run.results.concurrency).toMatchObject({ server: { errors: 0 }, bare: { errors: 0 } });
    expect(run.stdout).toContain('| server, socket.io |');
  }, 180_000);
});
