import type { Browser, BrowserContext, Page } from 'playwright-core';

export const DESKTOP = { width: 1200, height: 800 };
export const PHONE = { width: 375, height: 700 };

/** A fresh browser context on PMCChat, once its stream is connected. */
export async function openPage(
  browser: Browser,
  url: string,
  viewport = DESKTOP,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`${url}/`);
  await page.locator('#connection[data-state="connected"]').waitFor();
  return { context, page };
}

/** Types a message and sends it with Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.locator('#input').fill(text);
  await page.locator('#input').press('Enter');
}

export const lastAnswer = (page: Page) => page.locator('.message.assistant .answer').last();

/** Selects the transport and waits until it is connected. */
export async function useTransport(page: Page, transport: string): Promise<void> {
  if ((await page.locator('#transport').inputValue()) !== transport) {
    await page.locator('#transport').selectOption(transport);
  }
  await page.locator('#connection[data-state="connected"]').waitFor();
}
