import { waitForNoChildren } from './helpers/processes';
import { failureOf, quickBench } from './helpers/quick-bench';

/** The benchmark still runs (its figures are not asserted): open streams and start-ups. */
describe('npm run bench -- --quick: streams, starts (smoke)', () => {
  afterAll(async () => {
    await waitForNoChildren(/app-process|llm-process|server-everything|main\.js|redis-server/);
  });

  it('should run the parts and end with one JSON line of figures', async () => {
    const run = await quickBench(['streams', 'starts']);
    expect({ code: run.code, output: failureOf(run) }).toEqual({ code: 0, output: '' });
    expect(Object.keys(run.results)).toEqual(expect.arrayContaining(['machine', 'streams', 'starts']));
  }, 180_000);
});
