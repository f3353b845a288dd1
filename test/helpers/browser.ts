import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from './e2e-run.cjs';

/** Screenshots of the browser tests: an artifact of the run, never committed. */
export const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

/**
 * The run's Chromium (global-setup.cjs starts one for every browser test; closing what this returns
 * only disconnects), or one of the test's own when run outside it.
 */
export function launchBrowser(): Promise<Browser> {
  const shared = process.env.PMC_BROWSER_WS;
  return shared
    ? chromium.connect(shared)
    : chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
