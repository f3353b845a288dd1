import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { StreamEventOf } from '../src/contract/events';
import { detectCgroups, enforcers } from '../src/mcp/sandbox/cgroups';
import { ScriptedLlm } from './fixtures/scripted-llm';
import { alive, clusterNodeEnv, startNode } from './helpers/app-node';
import type { AppNode } from './helpers/app-node';
import { connectSocket, runSocketTurn } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { bearer, createSession } from './helpers/http';
import { scrape } from './helpers/metrics';
import { waitForExit } from './helpers/processes';
import { startRedis } from './helpers/redis-server';
import type { RedisServer } from './helpers/redis-server';

const ROOT = join(__dirname, '..');
const ATTACK = require.resolve('./fixtures/attack-server.cjs');
const KEYS = { alice: 'alice-sandbox-key-0123456789', bob: 'bob-sandbox-key-0123456789' };
const LIMITS = { MCP_SANDBOX_MEMORY_MB: '128', MCP_SANDBOX_MAX_PROCESSES: '32', MCP_SANDBOX_FILE_SIZE_MB: '8' };

interface Outcome {
  ok: boolean;
  value?: string;
  error?: string;
}

/** This machine's sandbox cgroups made by the app with this pid. */
function cgroupsOf(pid: number | undefined): string[] {
  const layout = detectCgroups();
  return [layout.memory?.dir, layout.pids?.dir]
    .filter((dir): dir is string => dir !== undefined)
    .flatMap((dir) => readdirSync(dir).filter((name) => name.startsWith(`mcp-sandbox.${pid}.`)));
}

describe('MCP servers in a bubblewrap sandbox (e2e)', () => {
  let redis: RedisServer;
  let llm: ScriptedLlm;
  let llmUrl: string;
  let dir: string;
  let usersDir: string;
  let configPath: string;
  let node: AppNode | undefined;
  const clients: SocketClient[] = [];

  const folderOf = (who: 'alice' | 'bob') => join(usersDir, `key.${who}`);

  const start = async (extra: Record<string, string>) => {
    node = await startNode({
      ...clusterNodeEnv('n1', redis.url, llmUrl, configPath),
      AUTH_API_KEYS: `alice:${KEYS.alice},bob:${KEYS.bob}`,
      USERS_DIR: usersDir,
      LOG_LEVEL: 'log',
      ...extra,
    });
    return node;
  };

  const client = async (who: 'alice' | 'bob') => {
    const socket = await connectSocket(node!.url, KEYS[who]);
    clients.push(socket);
    return { socket, sessionId: await createSession(node!.url, KEYS[who]) };
  };

  /** One turn calling the attack server's "attempt" with these tries; what each came to, and the raw observation. */
  const attempt = async (who: { socket: SocketClient; sessionId: string }, tries: object[]) => {
    const turn = await runSocketTurn(who.socket, `[[tool:attempt ${JSON.stringify({ tries })}]]`, who.sessionId);
    const observing = who.socket.recorder.ofTurn(turn.turnId, ['observing'])[0] as StreamEventOf<'observing'>;
    const content = observing.data.observations[0].content;
    const json = /^\{.*\}/m.exec(content)?.[0];
    return { turn, content, results: (json ? JSON.parse(json) : {}) as Record<string, Outcome> };
  };

  /** What a compromised server in alice's session tries; the targets are this host's, on loopback. */
  const attacks = (app: AppNode) => [
    { name: "bob's folder", kind: 'read', path: join(folderOf('bob'), 'secret.txt') },
    { name: "write bob's folder", kind: 'write', path: join(folderOf('bob'), 'planted.txt') },
    { name: 'the MCP config', kind: 'read', path: configPath },
    { name: "the app's package.json", kind: 'read', path: join(ROOT, 'package.json') },
    { name: "the app's environment", kind: 'environ', pid: app.pid() },
    { name: "the app's port", kind: 'connect', port: app.port },
    { name: 'redis', kind: 'connect', port: redis.port },
    { name: '40 processes', kind: 'processes', count: 40 },
    { name: 'a 16 MB file', kind: 'big_file', path: join(folderOf('alice'), 'big.bin'), mb: 16 },
  ];
  const ownWork = () => [
    { name: 'list USERS_DIR', kind: 'list', path: usersDir },
    { name: 'write own folder', kind: 'write', path: join(folderOf('alice'), 'note.txt') },
    { name: 'read own folder', kind: 'read', path: join(folderOf('alice'), 'note.txt') },
    { name: 'loopback inside', kind: 'loopback' },
  ];

  beforeAll(async () => {
    redis = await startRedis();
    llm = new ScriptedLlm();
    llmUrl = await llm.start();
    dir = mkdtempSync(join(tmpdir(), 'sandbox-e2e-'));
    usersDir = join(dir, 'users');
    mkdirSync(folderOf('bob'), { recursive: true });
    mkdirSync(folderOf('alice'), { recursive: true });
    writeFileSync(join(folderOf('bob'), 'secret.txt'), "bob's secret");
    configPath = join(dir, 'mcp.config.json');
    const attack = {
      command: process.execPath,
      args: [ATTACK],
      protocol: '2025-11-25',
      env: { SERVER_TOKEN: 'entry-token' },
    };
    writeFileSync(configPath, JSON.stringify({ mcpServers: { attack } }));
  });

  afterEach(async () => {
    clients.splice(0).forEach((socket) => socket.socket.disconnect());
    await node?.kill();
    node = undefined;
  });

  afterAll(async () => {
    await llm?.stop();
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should let an unconfined server (MCP_SANDBOX=off) do all of it: the control run', async () => {
    const app = await start({});
    expect(app.output()).toContain("MCP sandbox: off: local MCP servers run as this app's user");
    expect(app.output()).toMatch(
      /Authentication is on but MCP_SANDBOX is off: local MCP servers can read other principals' folders/,
    );
    const alice = await client('alice');
    const { results } = await attempt(alice, [
      ...attacks(app),
      { name: '200 MB', kind: 'memory', mb: 200 },
      ...ownWork(),
    ]);
    const failed = Object.entries(results).filter(([, outcome]) => !outcome.ok);
    expect(failed).toEqual([]);
    expect(results["bob's folder"].value).toBe("bob's secret");
    expect(results["the app's environment"].value).toContain(KEYS.bob);
    expect(results['40 processes'].value).toBe('started 40');
    expect(results['list USERS_DIR'].value?.split(',').sort()).toEqual(['key.alice', 'key.bob']);
  });

  it('should stop every attempt with MCP_SANDBOX=on, keep own-folder work and loopback inside, hold the limits, and say so', async () => {
    rmSync(join(folderOf('bob'), 'planted.txt'), { force: true });
    const app = await start({ MCP_SANDBOX: 'on', ...LIMITS });
    const expectedBy = enforcers(detectCgroups(), process.getuid?.() === 0);
    const by = (enforcer: string) =>
      ({ cgroup2: 'cgroup v2', cgroup1: 'cgroup v1', rlimit: 'rlimit', none: 'not enforced' })[enforcer];
    expect(app.output()).toContain(
      `network none; memory 128 MB (${by(expectedBy.memory)}), processes 32 (${by(expectedBy.processes)}), file size 8 MB (rlimit), /tmp 256 MB; unconfined: none`,
    );
    expect(app.output()).toMatch(/MCP sandbox: on \(bubblewrap \d+\.\d+\.\d+\)/);

    const alice = await client('alice');
    const { results, content } = await attempt(alice, [...attacks(app), ...ownWork()]);
    const outcomes = Object.fromEntries(Object.entries(results).map(([name, outcome]) => [name, outcome.ok]));
    expect(outcomes).toEqual({
      ...Object.fromEntries(attacks(app).map((attack) => [attack.name, false])),
      'list USERS_DIR': true,
      'write own folder': true,
      'read own folder': true,
      'loopback inside': true,
    });
    // The parent of alice's folder shows hers alone.
    expect(results['list USERS_DIR'].value).toBe('key.alice');
    expect(results['a 16 MB file'].error).toMatch(/^EFBIG/);
    expect(results["the app's port"].error).toMatch(/^ECONNREFUSED/);
    expect(existsSync(join(folderOf('bob'), 'planted.txt'))).toBe(false);
    // A limit a server meets and survives is named, with its setting.
    expect(content).toContain('file size limit (MCP_SANDBOX_FILE_SIZE_MB = 8)');
    if (expectedBy.processes !== 'none') {
      expect(results['40 processes'].error).toMatch(/^EAGAIN/);
      expect(content).toContain('process limit (MCP_SANDBOX_MAX_PROCESSES = 32)');
    }

    // Bob's copy of the server is another sandbox: it sees his folder, not alice's.
    const bob = await client('bob');
    const mine = await attempt(bob, [
      { name: 'his own', kind: 'read', path: join(folderOf('bob'), 'secret.txt') },
      { name: "alice's", kind: 'read', path: join(folderOf('alice'), 'note.txt') },
    ]);
    expect(mine.results).toEqual({
      'his own': { ok: true, value: "bob's secret" },
      "alice's": { ok: false, error: expect.stringMatching(/^ENOENT/) },
    });

    const servers = await fetch(`${app.url}/api/v3/mcp/servers`, { headers: bearer(KEYS.alice) });
    const [listed] = ((await servers.json()) as { servers: Array<{ sandbox: unknown; catalog: string }> }).servers;
    // The start-up listing ran in a sandbox too.
    expect(listed.catalog).toBe('listed');
    expect(listed.sandbox).toEqual({
      enabled: true,
      network: 'none',
      limits: { memory_mb: 128, max_processes: 32, file_size_mb: 8, tmp_mb: 256 },
      enforced_by: expectedBy,
    });
    expect((await scrape(app.url)).value('mcp_host_mcp_sandboxed_processes')).toBeGreaterThanOrEqual(2);

    // Past its memory, alice's server is ended; the call says why, and everything else goes on.
    const oom = await attempt(alice, [{ name: '200 MB', kind: 'memory', mb: 200 }]);
    const call = alice.socket.recorder.ofTurn(oom.turn.turnId, ['tool_call']).at(-1) as StreamEventOf<'tool_call'>;
    expect(call.data.status).toBe('failed');
    expect(oom.content).toContain("was ended by its sandbox's memory limit (MCP_SANDBOX_MEMORY_MB = 128)");
    expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
    expect((await attempt(bob, [ownWork()[3]])).results).toEqual({ 'loopback inside': { ok: true, value: 'pong' } });
    expect((await attempt(alice, [ownWork()[2]])).results['read own folder']).toMatchObject({ ok: true });
    const metrics = await scrape(app.url);
    expect(metrics.value('mcp_host_mcp_sandbox_limit_kills_total', { server: 'attack', limit: 'memory' })).toBe(1);
  });

  it("should leave no process or cgroup behind: a killed app's are removed at its next start, a stopped app's at once", async () => {
    const app = await start({ MCP_SANDBOX: 'on', MCP_PREWARM: '1' });
    // A sandbox belongs to one principal: with authentication, none is started before its session.
    const listing = await fetch(`${app.url}/api/v3/mcp/servers`, { headers: bearer(KEYS.alice) });
    expect(((await listing.json()) as { servers: Array<{ prewarmed: number }> }).servers[0].prewarmed).toBe(0);
    const alice = await client('alice');
    await attempt(alice, [ownWork()[3]]);
    const servers = app.children();
    const killedPid = app.pid();
    expect(servers.length).toBeGreaterThan(0);
    expect(cgroupsOf(killedPid).length).toBeGreaterThan(0);
    await app.kill();
    // bwrap's --die-with-parent takes each sandbox down with the app.
    await waitForExit(servers);
    await app.start();
    expect(cgroupsOf(killedPid)).toEqual([]);
    const restartedPid = app.pid();
    await app.stop();
    expect(alive(restartedPid!)).toBe(false);
    expect(cgroupsOf(restartedPid)).toEqual([]);
  });

  it('should not start without bwrap on PATH, naming it and its Debian package', async () => {
    await expect(start({ MCP_SANDBOX: 'on', PATH: join(dir, 'no-bin') })).rejects.toThrow(
      /MCP_SANDBOX=on needs bwrap on PATH: install Debian's package "bubblewrap"/,
    );
  });

  it('should not start with an MCP_SANDBOX it does not know', async () => {
    await expect(start({ MCP_SANDBOX: 'yes' })).rejects.toThrow(/MCP_SANDBOX/);
  });
});
