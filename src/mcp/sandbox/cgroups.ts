import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What enforces a limit: a cgroup of either version, a resource limit of the process, or nothing. */
export type Enforcer = 'cgroup2' | 'cgroup1' | 'rlimit' | 'none';

/** Where this app may make child cgroups for one controller (memory or pids). */
export interface CgroupPlace {
  version: 'cgroup2' | 'cgroup1';
  /** The app's own cgroup folder: sandboxes are made inside it. */
  dir: string;
  /** v2: the app is in the hierarchy's root (as seen from here), whose processes are never moved. */
  top?: boolean;
}

export interface CgroupLayout {
  memory?: CgroupPlace;
  pids?: CgroupPlace;
}

interface Mount {
  point: string;
  type: string;
  options: string[];
}

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

const writable = (path: string): boolean => {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

function mounts(root: string): Mount[] {
  return (readText(join(root, 'proc/self/mounts')) ?? '')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields.length >= 4 && (fields[2] === 'cgroup' || fields[2] === 'cgroup2'))
    .map(([, point, type, options]) => ({ point, type, options: options.split(',') }));
}

/** `/proc/self/cgroup`: hierarchy controllers (empty for v2) to the app's path in it. */
function ownPaths(root: string): Array<{ controllers: string[]; path: string }> {
  return (readText(join(root, 'proc/self/cgroup')) ?? '')
    .split('\n')
    .filter((line) => line.includes(':'))
    .map((line) => {
      const [, controllers, ...path] = line.split(':');
      return { controllers: controllers === '' ? [] : controllers.split(','), path: path.join(':') };
    });
}

/**
 * Where memory and pids can be limited per sandbox: the app's cgroup v2 folder when it is delegated
 * (writable, both controllers offered), else, per controller, a writable v1 hierarchy (on some VMs
 * the v2 mount offers only hugetlb while memory and pids are v1). `root` is `/` but for specs of fake
 * trees.
 */
export function detectCgroups(root = '/'): CgroupLayout {
  const all = mounts(root);
  const own = ownPaths(root);
  const layout: CgroupLayout = {};
  const v2 = all.find((mount) => mount.type === 'cgroup2');
  const v2Path = own.find((entry) => entry.controllers.length === 0 && !entry.path.startsWith('/..'));
  if (v2 && v2Path) {
    const dir = resolve(join(root, v2.point, v2Path.path));
    const offered = (readText(join(dir, 'cgroup.controllers')) ?? '').trim().split(/\s+/);
    if (writable(dir) && existsSync(join(dir, 'cgroup.subtree_control'))) {
      for (const controller of ['memory', 'pids'] as const) {
        if (offered.includes(controller)) {
          layout[controller] = { version: 'cgroup2', dir, ...(v2Path.path === '/' ? { top: true } : {}) };
        }
      }
    }
  }
  for (const controller of ['memory', 'pids'] as const) {
    if (layout[controller]) {
      continue;
    }
    const mount = all.find((entry) => entry.type === 'cgroup' && entry.options.includes(controller));
    const path = own.find((entry) => entry.controllers.includes(controller));
    if (mount && path) {
      const dir = resolve(join(root, mount.point, path.path));
      if (writable(dir) && existsSync(join(dir, 'cgroup.procs'))) {
        layout[controller] = { version: 'cgroup1', dir };
      }
    }
  }
  return layout;
}

/**
 * What enforces each limit, given the cgroups found and who runs the app: without a cgroup, memory
 * falls back to RLIMIT_DATA per process, and processes to RLIMIT_NPROC, which the kernel does not
 * apply to root.
 */
export function enforcers(
  layout: CgroupLayout,
  root: boolean,
): { memory: Enforcer; processes: Enforcer; file_size: Enforcer } {
  return {
    memory: layout.memory?.version ?? 'rlimit',
    processes: layout.pids?.version ?? (root ? 'none' : 'rlimit'),
    file_size: 'rlimit',
  };
}

/** `oom_kill N` of a memory.events (v2) or memory.oom_control (v1) file. */
export function oomKills(text: string | undefined): number {
  const match = /^oom_kill (\d+)$/m.exec(text ?? '');
  return match ? Number(match[1]) : 0;
}

export { readText as readCgroupFile };
