import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fakeServer } from '../../../test/fakes/fake-mcp';
import type { SandboxRequest } from '../config/mcp-sandbox-config';
import { realPath } from '../config/mcp-sandbox-config';
import { bwrapArgs } from './bwrap-args';
import type { RootLayout } from './bwrap-args';
import { sandboxView, SandboxViewError } from './sandbox-view';
import type { ViewContext } from './sandbox-view';

const LAYOUT: RootLayout = { links: [['/bin', 'usr/bin']], folders: ['/lib64'] };

/** The [kind, path] pairs of the binds, in order. */
function binds(args: string[]): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  args.forEach((arg, index) => {
    if (arg === '--bind' || arg === '--ro-bind') {
      found.push([arg, args[index + 1]]);
    }
  });
  return found;
}

describe(bwrapArgs.name, () => {
  let root: string;
  let context: ViewContext;
  let request: SandboxRequest;
  let script: string;

  beforeEach(() => {
    // An app with a server script in its tree, a package it loads, users' folders and a config.
    root = realPath(mkdtempSync(join(tmpdir(), 'bwrap-args-')));
    const app = join(root, 'app');
    for (const folder of ['servers', 'node_modules/pkg', 'users/key.alice', 'users/key.bob', 'workspace', 'etc']) {
      mkdirSync(join(app, folder), { recursive: true });
    }
    script = join(app, 'servers', 'server.js');
    writeFileSync(script, '');
    writeFileSync(join(app, 'etc', 'mcp.json'), '{}');
    context = {
      perUser: true,
      workspaceDir: join(app, 'workspace'),
      appDir: app,
      configFile: join(app, 'etc', 'mcp.json'),
      usersDir: join(app, 'users'),
      nodePath: process.execPath,
      hostPath: process.env.PATH ?? '',
    };
    request = { enabled: true, readOnly: [], writable: [], userDir: join(app, 'users', 'key.alice') };
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const argsFor = (extra: Partial<Parameters<typeof fakeServer>[1]> = {}, asked = request) => {
    const server = fakeServer('files', { command: process.execPath, args: [script, '--verbose'], ...extra });
    return bwrapArgs({ view: sandboxView(server, asked, context), layout: LAYOUT, tmpBytes: 1024, unset: ['SHELL'] });
  };

  it('should unshare everything, drop capabilities and die with the app, before any bind', () => {
    const args = argsFor();
    expect(args.slice(0, 5)).toEqual(['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL']);
    expect(args).not.toContain('--share-net');
    expect(args.join(' ')).toContain('--proc /proc --dev /dev --size 1024 --tmpfs /tmp');
    expect(args.join(' ')).toContain('--symlink usr/bin /bin');
  });

  it("should show the script's folder and node_modules read-only, the principal's folder writable, and nothing else of the app", () => {
    const app = context.appDir;
    const shown = binds(argsFor());
    expect(shown).toEqual(
      expect.arrayContaining([
        ['--ro-bind', '/usr'],
        ['--ro-bind', '/lib64'],
        ['--ro-bind', join(app, 'servers')],
        ['--ro-bind', join(app, 'node_modules')],
        ['--bind', join(app, 'users', 'key.alice')],
      ]),
    );
    const paths = shown.map(([, path]) => path);
    for (const hidden of [
      app,
      join(app, 'users'),
      join(app, 'users', 'key.bob'),
      join(app, 'etc'),
      context.configFile,
    ]) {
      expect(paths).not.toContain(hidden);
    }
    // With users kept apart, the workspace is nobody's to write.
    expect(paths).not.toContain(context.workspaceDir);
    expect(paths.filter((path) => path.startsWith('/tmp') && !path.startsWith(root))).toEqual([]);
  });

  it('should bind after the private /tmp, parents before what lies inside them', () => {
    const inner = join(context.appDir, 'servers', 'data');
    mkdirSync(inner);
    const args = argsFor({}, { ...request, writable: [inner] });
    const tmpfs = args.indexOf('--tmpfs');
    const at = (path: string) => args.findIndex((arg, index) => arg === path && args[index - 1] !== path);
    expect(at(join(context.appDir, 'servers'))).toBeGreaterThan(tmpfs);
    expect(at(inner)).toBeGreaterThan(at(join(context.appDir, 'servers')));
  });

  it('should name variables only: no value of the environment reaches the command line', () => {
    const args = argsFor({ env: { API_TOKEN: 'secret-token-value' } });
    expect(args.join(' ')).not.toContain('secret-token-value');
    expect(args).toEqual(expect.arrayContaining(['--unsetenv', 'SHELL']));
    const server = fakeServer('files', { command: process.execPath, args: [script], env: { API_TOKEN: 't' } });
    const view = sandboxView(server, request, context);
    expect(view.env).toEqual({ API_TOKEN: 't', PATH: expect.any(String), HOME: request.userDir, TMPDIR: '/tmp' });
  });

  it('should run in the principal folder, with the command last and prlimit first when it caps processes', () => {
    const server = fakeServer('files', { command: process.execPath, args: [script] });
    const args = bwrapArgs({
      view: sandboxView(server, request, context),
      layout: LAYOUT,
      tmpBytes: 1024,
      unset: [],
      processCap: { prlimit: '/usr/bin/prlimit', max: 32 },
    });
    expect(args.slice(-8)).toEqual([
      '--chdir',
      request.userDir,
      '--',
      '/usr/bin/prlimit',
      '--nproc=32',
      '--',
      realPath(process.execPath),
      script,
    ]);
  });

  it("should narrow a folder that holds the app to the one file, and give a shared server no principal's folder", () => {
    const atRoot = join(context.appDir, 'server.js');
    writeFileSync(atRoot, '');
    const shared = { ...request, userDir: undefined };
    const paths = binds(argsFor({ args: [atRoot], scope: 'shared' }, shared)).map(([, path]) => path);
    expect(paths).toContain(atRoot);
    expect(paths).not.toContain(context.appDir);
    expect(paths.some((path) => path.startsWith(context.usersDir))).toBe(false);
  });

  it('should show the workspace writable in single-user mode', () => {
    context.perUser = false;
    expect(binds(argsFor())).toEqual(expect.arrayContaining([['--bind', context.workspaceDir]]));
  });

  it('should refuse a cwd outside the view and a command it cannot find', () => {
    expect(() => argsFor({ cwd: join(context.appDir, 'etc') })).toThrow(SandboxViewError);
    expect(() => argsFor({ command: 'no-such-command-here' })).toThrow(/was not found on PATH/);
  });
});
