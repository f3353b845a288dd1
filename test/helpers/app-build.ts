import { existsSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';

import { BUILD_DIR } from './e2e-run.cjs';

// tsc takes well under a minute even on a busy machine.
const BUILD_DEADLINE_MS = 180_000;

/**
 * The folder of the run's build of the app (`dist/`, with `public/` beside it), once global-setup's
 * tsc has finished; rejects with tsc's output if it failed.
 */
export async function appBuild(): Promise<{ dist: string; root: string }> {
  const status = join(BUILD_DIR, 'status.json');
  if (!existsSync(status)) {
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => {
        watcher.close();
        reject(new Error(`the app's build (${BUILD_DIR}) did not finish within ${BUILD_DEADLINE_MS} ms`));
      }, BUILD_DEADLINE_MS);
      const watcher = watch(BUILD_DIR, () => {
        if (existsSync(status)) {
          clearTimeout(deadline);
          watcher.close();
          resolve();
        }
      });
      // It may have appeared between the check and the watch.
      if (existsSync(status)) {
        clearTimeout(deadline);
        watcher.close();
        resolve();
      }
    });
  }
  const outcome = JSON.parse(readFileSync(status, 'utf8')) as { ok: boolean; output: string };
  if (!outcome.ok) {
    throw new Error(`building the app failed:\n${outcome.output}`);
  }
  return { dist: join(BUILD_DIR, 'dist'), root: BUILD_DIR };
}
