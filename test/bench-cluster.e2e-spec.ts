import { describeQuickBench } from './helpers/quick-bench';

describeQuickBench(['cluster', 'redisCluster'], ({ results }) => {
  expect(results.cluster).toMatchObject({
    latency: { memory: { n: 20 }, redis: { n: 20 }, twoNodes: { n: 20 } },
    failoverMs: expect.any(Number),
    load: { twoNodes: { errors: 0 } },
    commandsPerTurn: expect.any(Number),
    idleCommandsPerSecond: expect.any(Number),
  });
  expect(results.redisCluster).toMatchObject({ nodes: 3, masters: 3, load: { errors: 0 } });
  expect(results.redisCluster.commandsPerSecondByMaster).toHaveLength(3);
});
