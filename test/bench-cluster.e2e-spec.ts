import { describeQuickBench } from './helpers/quick-bench';

describeQuickBench(['cluster'], ({ results }) => {
  expect(results.cluster).toMatchObject({
    latency: { memory: { n: 20 }, redis: { n: 20 }, twoNodes: { n: 20 } },
    failoverMs: expect.any(Number),
    load: { twoNodes: { errors: 0 } },
  });
});
