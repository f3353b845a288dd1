// The built app, started as `npm start` starts it, plus an IPC channel through which the benchmark
// reads the process's own figures: heap, RSS and event-loop delay.
const { monitorEventLoopDelay } = require('node:perf_hooks');

// 1 ms sampling: a sample includes up to one resolution of timer slack on top of the delay.
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();

process.on('message', (message) => {
  if (message === 'reset') {
    delay.reset();
    return;
  }
  if (message === 'stats') {
    global.gc?.();
    const memory = process.memoryUsage();
    process.send({
      heapUsed: memory.heapUsed,
      rss: memory.rss,
      eventLoopP50Ms: delay.percentile(50) / 1e6,
      eventLoopP99Ms: delay.percentile(99) / 1e6,
      eventLoopMaxMs: delay.max / 1e6,
    });
  }
});

// The built app's entry, as bench/app.ts names it.
require(process.argv[2]);
