import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

// Debian's chromium package (installed by .ci/run): no browser is ever downloaded.
const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of the browser tests: an artifact of the run, never committed. */
export const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

export function launchBrowser(): Promise<Browser> {
  // The sandbox needs user namespaces, which CI containers running as root do not have.
  // A container's small /dev/shm makes Chromium crash on larger pages; it can use /tmp instead.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
