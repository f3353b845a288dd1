import { waitForNoChildren } from './helpers/processes';
import { failureOf, quickBench } from './helpers/quick-bench';

/** The benchmark still runs (its figures are not asserted): memory per session. */
describe('npm run bench -- --quick: memory (smoke)', () => {
  afterAll(async () => {
    await waitForNoChildren(/app-process|llm-process|server-everything|main\.js|redis-server/);
  });

  it('should run the part and end with one JSON line of figures', async () => {
    const run = await quickBench(['memory']);
    expect({ code: run.code, output: failureOf(run) }).toEqual({ code: 0, output: '' });
    expect(Object.keys(run.results)).toEqual(expect.arrayContaining(['machine', 'memory']));
  }, 180_000);
});
