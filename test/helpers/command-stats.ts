import type { Redis } from 'ioredis';

/** Calls of each command since the last CONFIG RESETSTAT, as INFO commandstats counts them (script-run commands included). */
export async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const [, name, count] of (await redis.info('commandstats')).matchAll(/^cmdstat_([\w|-]+):calls=(\d+)/gm)) {
    calls.set(name, Number(count));
  }
  // The reads of this measurement are not the app's.
  for (const own of ['info', 'config|resetstat']) {
    calls.delete(own);
  }
  return calls;
}

export const SCRIPT_COMMANDS = ['evalsha', 'eval', 'fcall', 'evalsha_ro', 'eval_ro', 'fcall_ro'];

/** Total calls and script calls among them. */
export function totals(calls: Map<string, number>): { commands: number; scripts: number } {
  let commands = 0;
  let scripts = 0;
  for (const [name, count] of calls) {
    commands += count;
    scripts += SCRIPT_COMMANDS.includes(name) ? count : 0;
  }
  return { commands, scripts };
}
