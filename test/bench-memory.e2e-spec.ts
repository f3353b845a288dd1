import { describeQuickBench } from './helpers/quick-bench';

describeQuickBench(['memory', 'traces'], ({ results, stdout }) => {
  expect(results.memory).toMatchObject({ idleSessionBytes: expect.any(Number) });
  // Spans of the traced node reached the collector; a collector that is down slowed no turn to a stop.
  expect(results.traces).toMatchObject({ exports: expect.any(Number), deadCollector: { n: expect.any(Number) } });
  expect((results.traces as { exports: number }).exports).toBeGreaterThan(0);
  expect(stdout).toContain('| a tool turn, untraced / traced');
});
