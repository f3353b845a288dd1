import { waitForNoChildren } from './helpers/processes';
import { failureOf, quickBench } from './helpers/quick-bench';

/** The benchmark still runs (its figures are not asserted): Redis, two nodes and failover. */
describe('npm run bench -- --quick: cluster (smoke)', () => {
  afterAll(async () => {
    await waitForNoChildren(/app-process|llm-process|server-everything|main\.js|redis-server/);
  });

  it('should run the part and end with one JSON line of figures', async () => {
    const run = await quickBench(['cluster']);
    expect({ code: run.code, output: failureOf(run) }).toEqual({ code: 0, output: '' });
    expect(run.results.cluster).toMatchObject({
      latency: { memory: { n: 20 }, redis: { n: 20 }, twoNodes: { n: 20 } },
      failoverMs: expect.any(Number),
      load: { twoNodes: { errors: 0 } },
    });
  }, 180_000);
});
