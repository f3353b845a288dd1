import type { Browser, BrowserContext, Page } from 'playwright-core';

import { launchBrowser, screenshot } from './helpers/browser';
import { DESKTOP, lastAnswer, openPage, PHONE, sendMessage } from './helpers/pmc';
import { waitForNoChildren } from './helpers/processes';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

interface Listed {
  sessions: Array<{ session_id: string; title: string | null }>;
}

describe('PMCChat chats in a real browser: lazy sessions, rename, delete, search, other tabs, theme, phone (e2e)', () => {
  let t: TestApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    t = await startApp();
    browser = await launchBrowser();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    // Each test starts without chats.
    const { sessions } = (await (await fetch(`${t.url}/api/v3/sessions`)).json()) as Listed;
    await Promise.all(
      sessions.map((session) => fetch(`${t.url}/api/v3/sessions/${session.session_id}`, { method: 'DELETE' })),
    );
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await waitForNoChildren();
  });

  const open = async (viewport = DESKTOP): Promise<Page> => {
    const { context, page } = await openPage(browser, t.url, viewport);
    contexts.push(context);
    return page;
  };
  const listed = async () => ((await (await fetch(`${t.url}/api/v3/sessions`)).json()) as Listed).sessions;
  const chat = (page: Page, title: string) => page.locator('#sessions li.chat-item').filter({ hasText: title });

  it('should create a chat with its first message, not on page load or "New chat"', async () => {
    const page = await open();
    await page.locator('.empty-chat').waitFor();
    await page.locator('#new-chat').click();
    await page.reload();
    await page.locator('#new-chat').click();
    await page.locator('#connection[data-state="connected"]').waitFor();
    expect(await listed()).toEqual([]);

    await sendMessage(page, 'Plan **the** `trip`');
    await lastAnswer(page).getByText('Echo: Plan').waitFor();
    expect(await listed()).toHaveLength(1);
    // The title is plain text, and the count is of the user's messages and the answers.
    const item = chat(page, 'Plan the trip');
    await item.locator('small').getByText('2 messages').waitFor();
    expect(await item.locator('.chat-title').textContent()).toBe('Plan the trip');
    await screenshot(page, 'pmc-chat-list');
  });

  it('should rename and delete a chat from the list, the open one going back to a new chat', async () => {
    const page = await open();
    await sendMessage(page, 'Old name');
    await lastAnswer(page).getByText('Echo: Old name').waitFor();
    await chat(page, 'Old name').getByRole('button', { name: 'Rename "Old name"' }).click();
    await page.locator('#sessions input.rename').fill('Holiday plans');
    await page.locator('#sessions input.rename').press('Enter');
    await chat(page, 'Holiday plans').waitFor();
    expect((await listed())[0].title).toBe('Holiday plans');

    const remove = chat(page, 'Holiday plans').getByRole('button', { name: 'Delete "Holiday plans"' });
    await remove.click();
    await chat(page, 'Holiday plans').getByRole('button', { name: 'Press again to delete' }).click();
    await page.locator('.empty-chat').waitFor();
    await chat(page, 'Holiday plans').waitFor({ state: 'detached' });
    expect(await listed()).toEqual([]);
  });

  it("should search the chats' titles and text", async () => {
    const page = await open();
    await sendMessage(page, 'Where do quokkas live?');
    await lastAnswer(page).getByText('Echo: Where do quokkas live?').waitFor();
    await page.locator('#new-chat').click();
    await sendMessage(page, '[[tool:echo {"message":"a wombat"}]]');
    await lastAnswer(page).getByText('Observed: Echo: a wombat').waitFor();
    await page.locator('#sessions li.chat-item').nth(1).waitFor();

    await page.locator('#chat-search').fill('WOMBAT');
    await page.locator('#sessions li.chat-item').filter({ hasText: 'a wombat' }).first().waitFor();
    await page.locator('#sessions li.chat-item').nth(1).waitFor({ state: 'detached' });
    expect(await page.locator('#sessions .match').textContent()).toContain('wombat');
    await page.locator('#chat-search').fill('nothing like this');
    await page.locator('#sessions').getByText('No chat matches').waitFor();
    await page.locator('#chat-search').fill('');
    await page.locator('#sessions li.chat-item').nth(1).waitFor();
  });

  it('should refresh the list when another tab or device changes a chat', async () => {
    const first = await open();
    const { context } = await openPage(browser, t.url);
    contexts.push(context);
    // Another tab of the same browser: it says so at once.
    const tab = await context.newPage();
    await tab.goto(`${t.url}/pmc/`);
    await tab.locator('#connection[data-state="connected"]').waitFor();
    const other = context.pages()[0];
    await sendMessage(other, 'From the other tab');
    await tab.locator('#sessions').getByText('From the other tab').waitFor();
    // Another device (another browser context): the list is fresh once the page is looked at again.
    await first.evaluate("window.dispatchEvent(new Event('focus'))");
    await first.locator('#sessions').getByText('From the other tab').waitFor();
    await other.locator('#sessions li.chat-item').getByRole('button', { name: 'Delete "From the other tab"' }).click();
    await other.locator('#sessions li.chat-item').getByRole('button', { name: 'Press again to delete' }).click();
    await tab.locator('#sessions').getByText('From the other tab').waitFor({ state: 'detached' });
  });

  it('should follow the system theme, and the toggle over it', async () => {
    const page = await open();
    const background = () => page.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).toBe('rgb(16, 19, 24)');
    await sendMessage(page, 'In the dark:\n```ts\nconst dark: boolean = true;\n```');
    await lastAnswer(page).locator('.code-block').waitFor();
    await screenshot(page, 'pmc-dark');
    // Auto → Dark → Light: light wins over the system's dark.
    await page.locator('#theme').click();
    await page.locator('#theme').click();
    expect(await page.locator('#theme').getAttribute('data-theme')).toBe('light');
    expect(await background()).toBe('rgb(246, 247, 249)');
    await page.reload();
    expect(await background()).toBe('rgb(246, 247, 249)');
    await page.locator('#theme').click();
    expect(await background()).toBe('rgb(16, 19, 24)');
  });

  it('should fit a phone: one-line header, a visible placeholder, a drawer with a backdrop that a tap outside closes', async () => {
    const page = await open(PHONE);
    const header = (await page.locator('.topbar').boundingBox())!;
    expect(header.height).toBeLessThan(56);
    expect(header.width).toBeLessThanOrEqual(PHONE.width);
    // Nothing in it overlaps: the title ends before the first indicator, the last one within the screen.
    const title = (await page.locator('.topbar h1').boundingBox())!;
    const shown = await page
      .locator('.indicators > :visible')
      .evaluateAll((nodes) =>
        nodes.map((node) => node.getBoundingClientRect()).map(({ left, right }) => ({ left, right })),
      );
    expect(title.x + title.width).toBeLessThanOrEqual(shown[0].left);
    expect(shown.at(-1)!.right).toBeLessThanOrEqual(PHONE.width);
    expect(await page.locator('#input').getAttribute('placeholder')).toBe('Message');
    await screenshot(page, 'pmc-phone');

    await page.locator('#menu').click();
    await page.locator('#backdrop').waitFor();
    const sidebar = await page.locator('#sidebar').elementHandle();
    await page.waitForFunction((node) => node?.getBoundingClientRect().left === 0, sidebar);
    await screenshot(page, 'pmc-phone-drawer');
    await page.mouse.click(PHONE.width - 20, PHONE.height / 2);
    await page.locator('#backdrop').waitFor({ state: 'hidden' });
    await page.waitForFunction((node) => (node?.getBoundingClientRect().right ?? 1) <= 0, sidebar);
    await sendMessage(page, 'small screen');
    await lastAnswer(page).getByText('Echo: small screen').waitFor();
    const send = (await page.locator('#send').boundingBox())!;
    expect(send.x + send.width).toBeLessThanOrEqual(PHONE.width);
  });
});
