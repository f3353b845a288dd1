/**
 * `npm run bench`: what the server costs on top of the agent loop, measured side by side in one run
 * against the built app on loopback, with the scripted LLM (no delay) and server-everything's echo
 * over stdio. Prints a table and a final JSON line; a full run writes the table into BENCHMARKS.md.
 *   --quick     small sizes, to check that it runs (the smoke test uses it); writes nothing
 *   --no-write  leave BENCHMARKS.md alone
 *   --only=a,b  run only these parts: latency, history, concurrency, memory, streams, starts, cluster, redisCluster, capacity, sandbox, traces
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

import { everythingServer } from '../test/fixtures/mcp-servers';
import { capacity } from './capacity';
import { cluster } from './cluster';
import { history } from './history';
import { latency } from './latency';
import { redisCluster } from './redis-cluster';
import { renderMarkdown, renderTable } from './report';
import type { Results } from './report';
import { sandbox } from './sandbox';
import { FULL, QUICK, concurrency, memory, streams } from './scenarios';
import type { Context } from './scenarios';
import { starts } from './starts';
import { traces } from './traces';

// In the order they run; each fills the field of Results with its name.
const PARTS = {
  latency,
  history,
  concurrency,
  memory,
  streams,
  starts,
  cluster,
  redisCluster,
  capacity,
  sandbox,
  traces,
} satisfies {
  [K in keyof Results]?: (ctx: Context) => Promise<Results[K]>;
};
const BENCHMARKS_MD = join(__dirname, '..', 'BENCHMARKS.md');

function startLlm(): Promise<{ url: string; process: ChildProcess }> {
  const child = fork(join(__dirname, 'llm-process.cjs'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ url: (message as { url: string }).url, process: child }));
    child.once('exit', (code) => reject(new Error(`the scripted LLM exited with ${code}`)));
  });
}

function writeConfigs(dir: string): Record<'shared' | 'session', string> {
  const paths = { shared: join(dir, 'shared.json'), session: join(dir, 'session.json') };
  for (const scope of ['shared', 'session'] as const) {
    writeFileSync(paths[scope], JSON.stringify({ mcpServers: { everything: { ...everythingServer(), scope } } }));
  }
  return paths;
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args
    .find((arg) => arg.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const parts = (Object.keys(PARTS) as Array<keyof typeof PARTS>).filter((part) => !only || only.includes(part));
  const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-'));
  const configs = writeConfigs(dir);
  const llm = await startLlm();
  const ctx: Context = {
    sizes: quick ? QUICK : FULL,
    llmUrl: llm.url,
    env: (scope, extra = {}) => ({
      LLM_MODEL: 'openai:scripted',
      OPENAI_BASE_URL: llm.url,
      OPENAI_API_KEY: 'bench',
      MCP_CONFIG: configs[scope],
      WORKSPACE_DIR: join(dir, 'workspace'),
      ...extra,
    }),
    log: (line) => console.error(`[bench] ${line}`),
    lastRequests: () =>
      new Promise((resolve) => {
        llm.process.once('message', (message) => resolve((message as { requests: string[] }).requests));
        llm.process.send('last-requests');
      }),
  };
  const results: Results = { machine: machine(), date: new Date().toISOString(), quick };
  try {
    for (const part of parts) {
      ctx.log(`${part}...`);
      Object.assign(results, { [part]: await PARTS[part](ctx) });
    }
  } finally {
    llm.process.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(renderTable(results));
  if (!quick && !args.includes('--no-write')) {
    writeBenchmarks(renderMarkdown(results));
  }
  console.log(JSON.stringify(results));
}

/** Replaces the generated part of BENCHMARKS.md, keeping what was written by hand around it. */
function writeBenchmarks(generated: string): void {
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  let text: string;
  try {
    text = readFileSync(BENCHMARKS_MD, 'utf8');
  } catch {
    text = `# Benchmarks\n\n${start}\n${end}\n`;
  }
  const before = text.slice(0, text.indexOf(start) + start.length);
  const after = text.slice(text.indexOf(end));
  writeFileSync(BENCHMARKS_MD, `${before}\n${generated}\n${after}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
