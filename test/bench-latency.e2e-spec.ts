import { describeQuickBench } from './helpers/quick-bench';

describeQuickBench(['latency', 'history', 'concurrency'], ({ results, stdout }) => {
  expect(results.latency).toMatchObject({
    bare: { n: 20, p50: expect.any(Number) },
    raw: { n: 20 },
    socketio: { n: 20 },
    sse: { n: 20 },
    post: { n: 20 },
  });
  expect(results.concurrency).toMatchObject({ server: { errors: 0 }, bare: { errors: 0 } });
  expect(stdout).toContain('| server, socket.io |');
});
