import { describeQuickBench } from './helpers/quick-bench';

describeQuickBench(['streams', 'starts', 'sandbox'], ({ results }) => {
  expect(results.streams).toMatchObject({ sse: { open: expect.any(Number) }, socketio: { open: expect.any(Number) } });
  expect(results.sandbox).toMatchObject({
    on: { firstTurnMs: expect.any(Number), rssPerServerMb: expect.any(Number) },
  });
});
