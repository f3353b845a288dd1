import { describeQuickBench } from './helpers/quick-bench';

describeQuickBench(['streams', 'starts'], ({ results }) => {
  expect(results.streams).toMatchObject({ sse: { open: expect.any(Number) }, socketio: { open: expect.any(Number) } });
});
