import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { detectCgroups, enforcers, oomKills } from './cgroups';
import { SandboxCgroups } from './sandbox-cgroups';

/** A fake root: /proc/self/{mounts,cgroup} and cgroup folders with the files the kernel would show. */
function fakeTree(mounts: string[], cgroup: string[], folders: Record<string, string[]>): string {
  const root = mkdtempSync(join(tmpdir(), 'cgroups-'));
  mkdirSync(join(root, 'proc/self'), { recursive: true });
  writeFileSync(join(root, 'proc/self/mounts'), mounts.join('\n') + '\n');
  writeFileSync(join(root, 'proc/self/cgroup'), cgroup.join('\n') + '\n');
  for (const [folder, files] of Object.entries(folders)) {
    mkdirSync(join(root, folder), { recursive: true });
    for (const file of files) {
      const [name, content = ''] = file.split('=');
      writeFileSync(join(root, folder, name), content);
    }
  }
  return root;
}

const V1_MOUNTS = [
  'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0',
  'cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0',
  'cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0',
];

describe(detectCgroups.name, () => {
  const roots: string[] = [];
  const tree = (...args: Parameters<typeof fakeTree>) => {
    const root = fakeTree(...args);
    roots.push(root);
    return root;
  };

  afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

  it('should use a delegated cgroup v2 folder for both limits', () => {
    const root = tree(['cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0'], ['0::/system.slice/mcp-host.service'], {
      'sys/fs/cgroup/system.slice/mcp-host.service': ['cgroup.controllers=cpu memory pids', 'cgroup.subtree_control'],
    });
    const dir = join(root, 'sys/fs/cgroup/system.slice/mcp-host.service');
    expect(detectCgroups(root)).toEqual({ memory: { version: 'cgroup2', dir }, pids: { version: 'cgroup2', dir } });
    expect(enforcers(detectCgroups(root), false)).toEqual({
      memory: 'cgroup2',
      processes: 'cgroup2',
      file_size: 'rlimit',
    });
  });

  it("should mark the hierarchy's root, whose processes are never moved into a leaf", () => {
    const root = tree(['cgroup2 /sys/fs/cgroup cgroup2 rw 0 0'], ['0::/'], {
      'sys/fs/cgroup': ['cgroup.controllers=memory pids', 'cgroup.subtree_control'],
    });
    expect(detectCgroups(root).memory).toEqual({ version: 'cgroup2', dir: join(root, 'sys/fs/cgroup'), top: true });
  });

  it('should use v1 hierarchies when the v2 mount offers neither controller (as on CI: only hugetlb)', () => {
    const root = tree(V1_MOUNTS, ['8:pids:/', '4:memory:/process_api/abc', '0::/'], {
      'sys/fs/cgroup/unified': ['cgroup.controllers=hugetlb', 'cgroup.subtree_control'],
      'sys/fs/cgroup/memory/process_api/abc': ['cgroup.procs', 'memory.limit_in_bytes'],
      'sys/fs/cgroup/pids': ['cgroup.procs'],
    });
    expect(detectCgroups(root)).toEqual({
      memory: { version: 'cgroup1', dir: join(root, 'sys/fs/cgroup/memory/process_api/abc') },
      pids: { version: 'cgroup1', dir: join(root, 'sys/fs/cgroup/pids') },
    });
  });

  it('should fall back to resource limits without a cgroup, with no process cap for root', () => {
    const root = tree(['proc /proc proc rw 0 0'], ['0::/'], {});
    expect(detectCgroups(root)).toEqual({});
    expect(enforcers({}, false)).toEqual({ memory: 'rlimit', processes: 'rlimit', file_size: 'rlimit' });
    expect(enforcers({}, true)).toEqual({ memory: 'rlimit', processes: 'none', file_size: 'rlimit' });
  });

  it('should not use a folder it cannot write', () => {
    const root = tree(V1_MOUNTS.slice(1), ['4:memory:/locked', '8:pids:/locked'], {
      'sys/fs/cgroup/memory/locked': ['cgroup.procs'],
      'sys/fs/cgroup/pids/locked': ['cgroup.procs'],
    });
    chmodSync(join(root, 'sys/fs/cgroup/memory/locked'), 0o555);
    const found = detectCgroups(root);
    chmodSync(join(root, 'sys/fs/cgroup/memory/locked'), 0o755);
    // root writes anywhere: only a non-root app sees the folder as locked.
    expect(found.memory === undefined).toBe(process.getuid?.() !== 0);
    expect(found.pids?.version).toBe('cgroup1');
  });

  it('should read the OOM-kill count of either version', () => {
    expect(oomKills('low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n')).toBe(1);
    expect(oomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n')).toBe(2);
    expect(oomKills(undefined)).toBe(0);
  });
});

describe(SandboxCgroups.name, () => {
  let root: string;

  beforeEach(() => {
    root = fakeTree([], [], { memory: ['cgroup.procs'], pids: ['cgroup.procs'] });
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('should make one group per sandbox in each hierarchy, with its limits, and remove it', async () => {
    const cgroups = new SandboxCgroups({
      memory: { version: 'cgroup1', dir: join(root, 'memory') },
      pids: { version: 'cgroup1', dir: join(root, 'pids') },
    });
    const first = cgroups.create({ memoryBytes: 128 * 1024 * 1024, maxProcesses: 32 });
    const second = cgroups.create({ memoryBytes: 64, maxProcesses: 8 });
    expect(first.procsFiles).toEqual([
      join(root, 'memory', `mcp-sandbox.${process.pid}.1`, 'cgroup.procs'),
      join(root, 'pids', `mcp-sandbox.${process.pid}.1`, 'cgroup.procs'),
    ]);
    const group = (hierarchy: string, n: number) => join(root, hierarchy, `mcp-sandbox.${process.pid}.${n}`);
    expect(readFileSync(join(group('memory', 1), 'memory.limit_in_bytes'), 'utf8')).toBe(String(128 * 1024 * 1024));
    expect(readFileSync(join(group('pids', 2), 'pids.max'), 'utf8')).toBe('8');
    // A fake group is a plain folder holding files: the kernel's would be empty; removing it works the same.
    for (const [hierarchy, files] of [
      ['memory', ['memory.limit_in_bytes']],
      ['pids', ['pids.max']],
    ] as const) {
      files.forEach((file) => rmSync(join(group(hierarchy, 1), file)));
    }
    expect(await first.remove()).toBe(true);
    expect(readdirSync(join(root, 'memory'))).toEqual(['cgroup.procs', `mcp-sandbox.${process.pid}.2`]);
    void second;
  });

  it('should move the processes of a delegated v2 cgroup into a leaf, then enable memory and pids for its children', () => {
    const dir = join(root, 'v2');
    mkdirSync(dir);
    writeFileSync(join(dir, 'cgroup.procs'), '123\n');
    writeFileSync(join(dir, 'cgroup.subtree_control'), '');
    const place = { version: 'cgroup2' as const, dir };
    expect(new SandboxCgroups({ memory: place, pids: place }).prepare()).toEqual({ memory: place, pids: place });
    expect(readFileSync(join(dir, 'mcp-host-app', 'cgroup.procs'), 'utf8')).toBe('123');
    expect(readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids');
  });

  it("should leave a hierarchy root's processes where they are, and fall back when v2 cannot be used", () => {
    const dir = join(root, 'v2');
    mkdirSync(join(dir, 'cgroup.subtree_control'), { recursive: true });
    const top = { version: 'cgroup2' as const, dir, top: true };
    const v1 = { version: 'cgroup1' as const, dir: join(root, 'pids') };
    // subtree_control is a folder here: the write fails, as a kernel refusing it would.
    expect(new SandboxCgroups({ memory: top, pids: v1 }).prepare()).toEqual({ pids: v1 });
    expect(readdirSync(dir)).toEqual(['cgroup.subtree_control']);
  });

  it("should sweep the groups of an app that no longer runs, and keep a running one's", async () => {
    const gone = 2 ** 22 + 1; // above pid_max's default: no such process
    mkdirSync(join(root, 'pids', `mcp-sandbox.${gone}.7`));
    mkdirSync(join(root, 'pids', `mcp-sandbox.${process.ppid}.1`));
    await new SandboxCgroups({ pids: { version: 'cgroup1', dir: join(root, 'pids') } }).sweep();
    expect(readdirSync(join(root, 'pids')).sort()).toEqual(['cgroup.procs', `mcp-sandbox.${process.ppid}.1`]);
  });
});
