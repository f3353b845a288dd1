import { capacityRows } from './capacity';
import type { CapacityResult } from './capacity';
import type { ClusterResult } from './cluster';
import type { HistoryResult } from './history';
import type { LatencyResult } from './latency';
import type { RedisClusterResult } from './redis-cluster';
import { sandboxRows } from './sandbox';
import type { SandboxResult } from './sandbox';
import type { LoadResult, MemoryResult, StreamsResult } from './scenarios';
import type { StartResult } from './starts';
import { round } from './stats';
import type { Summary } from './stats';
import { tracesRows } from './traces';
import type { TracesResult } from './traces';

export interface Results {
  machine: string;
  date: string;
  quick: boolean;
  latency?: LatencyResult;
  history?: HistoryResult;
  concurrency?: { server: LoadResult; bare: LoadResult };
  memory?: MemoryResult;
  streams?: StreamsResult;
  starts?: StartResult;
  cluster?: ClusterResult;
  redisCluster?: RedisClusterResult;
  capacity?: CapacityResult;
  sandbox?: SandboxResult;
  traces?: TracesResult;
}

const check = (met: boolean) => (met ? 'yes' : '**no**');
const kb = (bytes: number) => `${round(bytes / 1024, 2)} KB`;
const mb = (bytes: number) => `${round(bytes / 2 ** 20, 1)} MB`;
const table = (header: string[], rows: Array<Array<string | number>>) =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');

function latencyTable(latency: LatencyResult): string {
  const { bare, raw } = latency;
  const row = (name: string, s: Summary) => [
    name,
    s.p50,
    s.p95,
    s.p99,
    round(s.p50 / bare.p50),
    round(s.p99 / bare.p99),
    round(s.p50 / raw.p50),
  ];
  return table(
    ['path', 'p50 ms', 'p95 ms', 'p99 ms', 'p50 ÷ (a)', 'p99 ÷ (a)', 'p50 ÷ (b)'],
    [
      row('(a) bare loop: createAgent in one process', bare),
      row('(b) raw floor: its two requests replayed + MCP SDK', raw),
      row('server, socket.io', latency.socketio),
      row('server, SSE (send + stream)', latency.sse),
      row('server, POST /chat', latency.post),
    ],
  );
}

/** Every figure against its target, where the issue sets one. */
function figures(results: Results): string {
  const rows: Array<Array<string | number>> = [];
  const { latency, history, concurrency, memory, streams, starts } = results;
  if (latency) {
    for (const [name, s] of [
      ['socket.io', latency.socketio],
      ['SSE', latency.sse],
    ] as const) {
      rows.push([
        `${name}: p50 ÷ bare loop p50`,
        round(s.p50 / latency.bare.p50),
        '≤ 1.0',
        check(s.p50 <= latency.bare.p50),
      ]);
      rows.push([
        `${name}: p99 ÷ bare loop p99`,
        round(s.p99 / latency.bare.p99),
        '≤ 1.25',
        check(s.p99 <= 1.25 * latency.bare.p99),
      ]);
      rows.push([
        `${name}: p50 ÷ raw floor p50`,
        round(s.p50 / latency.raw.p50),
        '≤ 1.5',
        check(s.p50 <= 1.5 * latency.raw.p50),
      ]);
    }
  }
  if (history) {
    rows.push([
      'history: turn 300 ÷ turn 1 (medians of the last and first 10)',
      `${history.ratio} (${history.first10Ms} → ${history.last10Ms} ms)`,
      '≤ 1.5',
      check(history.ratio <= 1.5),
    ]);
    rows.push([
      'history, bare loop with a checkpointed thread',
      `${history.bareRatio} (${history.bareFirst10Ms} → ${history.bareLast10Ms} ms)`,
      '',
      '',
    ]);
    rows.push([
      `history: tool turn p50 on ${history.longMessages} messages ÷ on 10 (${history.samples} each, in turn)`,
      `${history.longRatio} (${history.shortMs} → ${history.longMs} ms)`,
      '≤ 1.2',
      check(history.longRatio <= 1.2),
    ]);
  }
  if (concurrency) {
    const { server, bare } = concurrency;
    rows.push([
      'concurrency: turns/s, socket.io',
      `${server.turnsPerSecond} (p50 ${server.p50} ms, p99 ${server.p99} ms)`,
      `≥ ${bare.turnsPerSecond} (bare loop)`,
      check(server.turnsPerSecond >= bare.turnsPerSecond),
    ]);
    rows.push(['concurrency: errors', server.errors, '0', check(server.errors === 0)]);
    rows.push([
      'concurrency: bare loop',
      `${bare.turnsPerSecond} turns/s (p50 ${bare.p50} ms, p99 ${bare.p99} ms, ${bare.errors} errors)`,
      '',
      '',
    ]);
  }
  if (memory) {
    rows.push([
      'memory per idle session (heap)',
      kb(memory.idleSessionBytes),
      '≤ 20 KB',
      check(memory.idleSessionBytes <= 20 * 1024),
    ]);
    for (const [scope, m] of [
      ['session-scoped', memory.sessionScoped],
      ['shared', memory.shared],
    ] as const) {
      rows.push([
        `per session with ${scope} MCP clients`,
        `${kb(m.heapBytes)} heap + ${mb(m.childRssBytes)} of MCP processes (${m.processes} running)`,
        '',
        '',
      ]);
    }
  }
  if (streams) {
    for (const [name, s] of [
      ['SSE streams', streams.sse],
      ['socket.io connections', streams.socketio],
    ] as const) {
      rows.push([
        `${s.open} ${name}, heartbeat 1 s: event-loop delay p99 (max)`,
        `${s.eventLoopP99Ms} ms (${s.eventLoopMaxMs} ms)`,
        name.startsWith('SSE') ? '< 20 ms' : '',
        name.startsWith('SSE') ? check(s.eventLoopP99Ms < 20) : '',
      ]);
      rows.push([`${s.open} ${name}: memory`, `${kb(s.heapBytesPerStream)} heap each, RSS ${s.rssMb} MB`, '', '']);
    }
  }
  if (starts) {
    rows.push([
      'first turn of a new session, session-scoped stdio server, cold',
      `${starts.firstTurnColdMs} ms`,
      '',
      '',
    ]);
    rows.push(['the same with MCP_PREWARM=1', `${starts.firstTurnPrewarmedMs} ms`, '', '']);
    rows.push(['a later turn of that session', `${starts.laterTurnMs} ms`, '', '']);
    rows.push(['start of the built app to a ready /health', `${starts.startupMs} ms`, '', '']);
  }
  if (results.cluster) {
    rows.push(...clusterRows(results.cluster));
  }
  if (results.redisCluster) {
    const { nodes, masters, load, commandsPerSecondByMaster } = results.redisCluster;
    rows.push([
      `${nodes} app nodes on a ${masters}-master Redis Cluster: turns/s, errors`,
      `${load.turnsPerSecond} (p50 ${load.p50} ms, p99 ${load.p99} ms), ${load.errors} errors`,
      '0 errors',
      check(load.errors === 0),
    ]);
    rows.push(['the same: Redis commands/s served by each master', commandsPerSecondByMaster.join(', '), '', '']);
  }
  if (results.capacity) {
    rows.push(...capacityRows(results.capacity));
  }
  if (results.sandbox) {
    rows.push(...sandboxRows(results.sandbox));
  }
  if (results.traces) {
    rows.push(...tracesRows(results.traces));
  }
  return table(['figure', 'value', 'target', 'met'], rows);
}

function clusterRows(cluster: ClusterResult): Array<Array<string | number>> {
  const { latency, load } = cluster;
  const ratio = (s: Summary) => round(s.p50 / latency.memory.p50);
  return [
    [
      'Redis, one node: tool turn p50 ÷ memory store p50 (one session each, blocks of 40)',
      `${ratio(latency.redis)} (${latency.redis.p50} vs ${latency.memory.p50} ms)`,
      '≤ 1.10',
      check(ratio(latency.redis) <= 1.1),
    ],
    [
      'Redis, two nodes (client on A, turn on B): p50 ÷ one-node memory p50',
      `${ratio(latency.twoNodes)} (${latency.twoNodes.p50} ms)`,
      '≤ 1.25',
      check(ratio(latency.twoNodes) <= 1.25),
    ],
    [
      'Redis commands per tool turn, INFO commandstats (of which scripts)',
      `${cluster.commandsPerTurn} (${cluster.scriptsPerTurn})`,
      '≤ 40 (≤ 6)',
      check(cluster.commandsPerTurn <= 40 && cluster.scriptsPerTurn <= 6),
    ],
    ['the same with a daily quota (QUOTA_TOKENS_PER_DAY)', cluster.commandsPerTurnWithQuota, '', ''],
    [
      `an idle node holding ${cluster.idleHeld} sessions: Redis commands/s, background jobs included`,
      cluster.idleCommandsPerSecond,
      '≤ 5',
      check(cluster.idleCommandsPerSecond <= 5),
    ],
    ['Redis memory per idle session', kb(cluster.redisBytesPerIdleSession), '', ''],
    [
      'Redis memory per 100-message session (history and event log)',
      kb(cluster.redisBytesPer100MessageSession),
      '',
      '',
    ],
    [
      `failover: SIGKILL of the node running a turn → TURN_INTERRUPTED (TURN_LEASE_MS=${cluster.leaseMs})`,
      `${cluster.failoverMs} ms`,
      `≤ ${cluster.leaseMs + 2000} ms`,
      check(cluster.failoverMs <= cluster.leaseMs + 2000),
    ],
    [
      'concurrent sessions over two Redis nodes: turns/s, errors',
      `${load.twoNodes.turnsPerSecond} (p50 ${load.twoNodes.p50} ms), ${load.twoNodes.errors} errors`,
      `0 errors; one node on memory: ${load.memory.turnsPerSecond} turns/s`,
      check(load.twoNodes.errors === 0),
    ],
  ];
}

export function renderTable(results: Results): string {
  const parts = [`Machine: ${results.machine}${results.quick ? ' (quick run: sizes too small to mean much)' : ''}`];
  if (results.latency) {
    parts.push(latencyTable(results.latency));
  }
  parts.push(figures(results));
  return parts.join('\n\n');
}

export function renderMarkdown(results: Results): string {
  return [
    `Last full run: ${results.date.slice(0, 10)}, on ${results.machine}.`,
    '',
    results.latency
      ? `### Turn latency, ${results.latency.bare.n} sequential tool turns, a new session every 10\n\n${latencyTable(results.latency)}\n`
      : '',
    `### All figures\n\n${figures(results)}`,
  ].join('\n');
}
