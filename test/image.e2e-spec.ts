import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { ScriptedLlm } from './fixtures/scripted-llm';
import { appBuild } from './helpers/app-build';
import { alive } from './helpers/app-node';
import { bearer, postJson } from './helpers/http';
import { freePort } from './helpers/ports';
import { childPidsOf, killProcess } from './helpers/processes';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const API_KEY = 'ops-key-0123456789abcdef';

/** What the Dockerfile's run stage says: its environment, start command and health check. */
function runStage(): { env: Record<string, string>; cmd: string[]; healthcheck: string; user: string } {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const stage = text.slice(text.lastIndexOf('\nFROM '));
  const env = Object.fromEntries(
    [...stage.matchAll(/^ENV (.+)$/gm)].flatMap((line) =>
      line[1].split(/\s+/).map((pair) => pair.split('=') as [string, string]),
    ),
  );
  const cmd = JSON.parse(/^CMD (\[.+\])$/m.exec(stage)![1]) as string[];
  const healthcheck = /^HEALTHCHECK .*? CMD (.+)$/m.exec(stage)![1];
  const user = /^USER (\S+)$/m.exec(stage)![1];
  return { env, cmd, healthcheck, user };
}

/**
 * These machines cannot run Docker: the image's start command, environment and health check are
 * run here as the image runs them, on a build made the way its build stage makes it.
 */
describe('the container image (e2e)', () => {
  const stage = runStage();
  let llm: ScriptedLlm;
  let child: ChildProcess | undefined;
  let output = '';
  // The image's /app, here: links to the run's dist/ and to public/, and its own workspace and users.
  let image: string;

  beforeAll(async () => {
    llm = new ScriptedLlm();
    // The run's build (global-setup.cjs), made as the build stage makes it, under an /app of its own.
    const { dist } = await appBuild();
    image = mkdtempSync(join(tmpdir(), 'mcp-host-image-'));
    symlinkSync(dist, join(image, 'dist'));
    symlinkSync(join(ROOT, 'public'), join(image, 'public'));
  }, 200_000);

  afterAll(async () => {
    await killProcess(child);
    await llm.stop();
    // The links go, not what they point at.
    rmSync(image, { recursive: true, force: true });
  });

  it('should run as a non-root user, start with its CMD and ENV, pass its health check, and stop with exit 0', async () => {
    expect(stage.user).not.toBe('root');
    expect(stage.env).toMatchObject({ HOST: '0.0.0.0', LOG_FORMAT: 'json', NODE_ENV: 'production' });
    expect(stage.cmd).toEqual(['node', 'dist/main.js']);
    const port = await freePort();
    const env = {
      PATH: process.env.PATH,
      ...stage.env,
      PORT: String(port),
      WORKSPACE_DIR: join(image, 'workspace'),
      USERS_DIR: join(image, 'users'),
      // What compose.yaml sets: authentication (the image listens beyond loopback) and an LLM.
      AUTH_API_KEYS: `ops:${API_KEY}`,
      LLM_MODEL: 'openai:scripted',
      OPENAI_BASE_URL: await llm.start(),
    };
    const [command, ...args] = stage.cmd;
    child = spawn(command === 'node' ? process.execPath : command, args, { cwd: image, env, stdio: 'pipe' });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

    // Docker runs the check with `sh -c`: once it passes, the node is live.
    const check = () =>
      run('sh', ['-c', stage.healthcheck.replace(/\bnode\b/, process.execPath)], { env }).then(
        () => true,
        () => false,
      );
    while (!(await check())) {
      if (child.exitCode !== null) {
        throw new Error(`the image's command exited (${child.exitCode}): ${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(200);
    expect(
      output
        .split('\n')
        .filter(Boolean)
        .every((line) => line.startsWith('{')),
    ).toBe(true);

    // The catalog is listed at start-up, each server by a short-lived process of its own: once done,
    // the bundled servers' tools are known and no process is left.
    type Listing = { servers: Array<{ name: string; catalog: string; tools: unknown[] }> };
    let listing: Listing;
    do {
      listing = (await (
        await fetch(`http://127.0.0.1:${port}/api/v3/mcp/servers`, { headers: bearer(API_KEY) })
      ).json()) as Listing;
    } while (listing.servers.some((server) => server.catalog === 'pending'));
    expect(listing.servers.map((server) => [server.name, server.catalog, server.tools.length > 0])).toEqual([
      ['filesystem', 'listed', true],
      ['memory', 'listed', true],
    ]);
    expect(childPidsOf(child.pid!)).toEqual([]);

    // A turn with the bundled servers, so there are MCP processes for the stop to end.
    const turn = await postJson(
      `http://127.0.0.1:${port}/chat`,
      { message: '[[tool:list_allowed_directories {}]]' },
      API_KEY,
    );
    expect(turn.status).toBe(200);
    const servers = childPidsOf(child.pid!);
    expect(servers).toHaveLength(2);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(servers.filter(alive)).toEqual([]);
  });
});
