import { Logger } from '@nestjs/common';
import { existsSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { oomKills, readCgroupFile } from './cgroups';
import type { CgroupLayout, CgroupPlace } from './cgroups';

/** A sandbox's cgroup is named by the app that made it, so the next start knows a killed app's leftovers. */
const GROUP = /^mcp-sandbox\.(\d+)\.(\d+)$/;
/** The v2 leaf the app moves itself into, so its own cgroup may enable controllers for the sandboxes. */
const APP_LEAF = 'mcp-host-app';

export interface CgroupLimits {
  memoryBytes: number;
  maxProcesses: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes a control file; a file this kernel does not have (swap accounting off) is skipped. */
function control(dir: string, file: string, value: string, optional = false): void {
  if (optional && !existsSync(join(dir, file))) {
    return;
  }
  writeFileSync(join(dir, file), value);
}

/** One sandbox's cgroup folders (one for v2, one per hierarchy for v1). */
export class SandboxCgroup {
  constructor(private readonly folders: Array<{ place: CgroupPlace; dir: string; controller: 'memory' | 'pids' }>) {}

  /** What the wrapper writes its pid to before it becomes bwrap. */
  get procsFiles(): string[] {
    return [...new Set(this.folders.map((folder) => join(folder.dir, 'cgroup.procs')))];
  }

  /** Processes the kernel killed for the memory limit. */
  oomKills(): number {
    const memory = this.folders.find((folder) => folder.controller === 'memory');
    if (!memory) {
      return 0;
    }
    const file = memory.place.version === 'cgroup2' ? 'memory.events' : 'memory.oom_control';
    return oomKills(readCgroupFile(join(memory.dir, file)));
  }

  /** Removes the folders once the last process has gone (a dying sandbox takes a moment). */
  async remove(): Promise<boolean> {
    const removed = await Promise.all(
      [...new Set(this.folders.map((folder) => folder.dir))].map((dir) => removeWithin(dir)),
    );
    return removed.every(Boolean);
  }
}

/** Tries to remove a cgroup for about two seconds; `killLeft` ends what is still in it first. */
async function removeWithin(dir: string, killLeft = false): Promise<boolean> {
  for (let attempt = 0; attempt < 40; attempt++) {
    if (removeGroup(dir, killLeft)) {
      return true;
    }
    await delay(50);
  }
  return false;
}

/** rmdir of a cgroup; true once it is gone. */
function removeGroup(dir: string, killLeft = false): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return true;
    }
    if (killLeft && code === 'EBUSY') {
      for (const pid of (readCgroupFile(join(dir, 'cgroup.procs')) ?? '').split('\n').filter(Boolean)) {
        process.kill(Number(pid), 'SIGKILL');
      }
    }
    return false;
  }
}

/** Makes, limits and removes the cgroups of this app's sandboxes. */
export class SandboxCgroups {
  private readonly logger = new Logger('McpSandbox');
  private count = 0;

  constructor(
    private layout: CgroupLayout,
    private readonly appPid = process.pid,
  ) {}

  get current(): CgroupLayout {
    return this.layout;
  }

  /**
   * Cgroup v2 lets a cgroup enable controllers for its children only while it holds no process: the
   * app moves itself (and what else runs in its delegated cgroup) into a leaf first. Without that,
   * v2 is not used, and the limits fall back to resource limits.
   */
  prepare(): CgroupLayout {
    const v2 = [this.layout.memory, this.layout.pids].find((place) => place?.version === 'cgroup2');
    if (!v2) {
      return this.layout;
    }
    try {
      // Never the processes of a hierarchy's root (the whole machine, or a container's): there
      // controllers are enabled as they are, or the attempt fails and limits fall back.
      if (!v2.top) {
        const leaf = join(v2.dir, APP_LEAF);
        mkdirSync(leaf, { recursive: true });
        for (const pid of (readCgroupFile(join(v2.dir, 'cgroup.procs')) ?? '').split('\n').filter(Boolean)) {
          writeFileSync(join(leaf, 'cgroup.procs'), pid);
        }
      }
      writeFileSync(join(v2.dir, 'cgroup.subtree_control'), '+memory +pids');
    } catch (error) {
      this.logger.warn(`cgroup v2 at ${v2.dir} is not delegated to this app (${(error as Error).message})`);
      this.layout = Object.fromEntries(
        Object.entries(this.layout).filter(([, place]) => place.version !== 'cgroup2'),
      ) as CgroupLayout;
    }
    return this.layout;
  }

  /** Removes what an earlier run of the app (killed before it could) left: its groups, and any process in them. */
  async sweep(): Promise<void> {
    for (const dir of new Set([this.layout.memory?.dir, this.layout.pids?.dir])) {
      if (!dir) {
        continue;
      }
      for (const name of readdirSync(dir)) {
        const owner = GROUP.exec(name)?.[1];
        if (owner && Number(owner) !== this.appPid && !alive(Number(owner))) {
          if (!(await removeWithin(join(dir, name), true))) {
            this.logger.warn(`Could not remove ${join(dir, name)}, left by an earlier run of the app`);
          }
        }
      }
    }
  }

  /** A new cgroup per sandbox, never shared: its limits count that sandbox's processes alone. */
  create(limits: CgroupLimits): SandboxCgroup {
    const name = `mcp-sandbox.${this.appPid}.${++this.count}`;
    const folders: Array<{ place: CgroupPlace; dir: string; controller: 'memory' | 'pids' }> = [];
    for (const controller of ['memory', 'pids'] as const) {
      const place = this.layout[controller];
      if (place) {
        const dir = join(place.dir, name);
        mkdirSync(dir, { recursive: true });
        folders.push({ place, dir, controller });
      }
    }
    try {
      for (const { place, dir, controller } of folders) {
        if (controller === 'pids') {
          control(dir, 'pids.max', String(limits.maxProcesses));
        } else if (place.version === 'cgroup2') {
          control(dir, 'memory.max', String(limits.memoryBytes));
          control(dir, 'memory.swap.max', '0', true);
        } else {
          control(dir, 'memory.limit_in_bytes', String(limits.memoryBytes));
          control(dir, 'memory.memsw.limit_in_bytes', String(limits.memoryBytes), true);
        }
      }
    } catch (error) {
      // A group without its limits is never joined.
      folders.forEach(({ dir }) => removeGroup(dir));
      throw new Error(`could not limit the sandbox's cgroup: ${(error as Error).message}`, { cause: error });
    }
    return new SandboxCgroup(folders);
  }
}
