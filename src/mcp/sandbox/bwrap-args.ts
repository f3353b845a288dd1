import { existsSync, lstatSync, readlinkSync } from 'node:fs';

import type { SandboxView } from './sandbox-view';

/** The root's program and library folders: links into /usr (merged /usr, as on Debian 12) or folders of their own. */
export interface RootLayout {
  links: Array<[path: string, target: string]>;
  folders: string[];
}

const ROOT_ENTRIES = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** The minimal /etc: the dynamic linker's cache, certificates, users and groups, time zone, name lookup of localhost. */
export const ETC_ENTRIES = [
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/ca-certificates.conf',
  '/etc/passwd',
  '/etc/group',
  '/etc/localtime',
  '/etc/nsswitch.conf',
  '/etc/hosts',
  '/etc/alternatives',
];

/** How this machine's root is laid out, read once. */
export function readRootLayout(): RootLayout {
  const layout: RootLayout = { links: [], folders: [] };
  for (const path of ROOT_ENTRIES.filter((entry) => existsSync(entry))) {
    if (lstatSync(path).isSymbolicLink()) {
      layout.links.push([path, readlinkSync(path)]);
    } else {
      layout.folders.push(path);
    }
  }
  return layout;
}

export interface BwrapOptions {
  view: SandboxView;
  layout: RootLayout;
  /** Size of the private /tmp. */
  tmpBytes: number;
  /** Variables the spawning library adds to every child (LOGNAME, SHELL, ...) that the entry did not set. */
  unset: string[];
  /** Runs the command under RLIMIT_NPROC when no cgroup counts processes: prlimit's path and the limit. */
  processCap?: { prlimit: string; max: number };
}

/** Deeper paths after the folders that hold them, so a writable folder inside a read-only one stays writable. */
const byDepth = (a: [string, string], b: [string, string]) =>
  a[1].split('/').length - b[1].split('/').length || a[1].localeCompare(b[1]);

/**
 * bwrap's arguments for one server. Every namespace of its own (its network has only its loopback),
 * all capabilities dropped (bwrap run by root keeps root's otherwise), killed with the app, in a new
 * terminal session. Names of variables only: values never reach a command line, which every process
 * on the host can read.
 */
export function bwrapArgs(options: BwrapOptions): string[] {
  const { view, layout } = options;
  const args = ['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL'];
  args.push('--ro-bind', '/usr', '/usr');
  for (const [path, target] of layout.links) {
    args.push('--symlink', target, path);
  }
  for (const folder of layout.folders) {
    args.push('--ro-bind', folder, folder);
  }
  for (const entry of ETC_ENTRIES) {
    args.push('--ro-bind-try', entry, entry);
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--size', String(options.tmpBytes), '--tmpfs', '/tmp');
  // After /tmp, so a session's folder under the host's /tmp is bound into the private one.
  const binds: Array<[string, string]> = [
    ...view.readOnly.map((path): [string, string] => ['--ro-bind', path]),
    ...view.writable.map((path): [string, string] => ['--bind', path]),
  ].sort(byDepth);
  for (const [kind, path] of binds) {
    args.push(kind, path, path);
  }
  for (const name of options.unset) {
    args.push('--unsetenv', name);
  }
  args.push('--chdir', view.cwd, '--');
  if (options.processCap) {
    args.push(options.processCap.prlimit, `--nproc=${options.processCap.max}`, '--');
  }
  args.push(view.command, ...view.args);
  return args;
}
