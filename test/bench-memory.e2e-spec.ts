import { describeQuickBench } from './helpers/quick-bench';

describeQuickBench(['memory'], ({ results }) => {
  expect(results.memory).toMatchObject({ idleSessionBytes: expect.any(Number) });
});
