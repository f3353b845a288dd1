import type { Browser, BrowserContext, Page } from 'playwright-core';

import { launchBrowser, screenshot } from './helpers/browser';
import { DESKTOP, lastAnswer, openPage, PHONE, sendMessage } from './helpers/pmc';
import { waitForNoChildren } from './helpers/processes';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

describe('PMCChat: MCP prompts, resources and tool switches at the keyboard (e2e)', () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    t = await startApp();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await waitForNoChildren();
  });

  afterEach(async () => {
    await context?.close();
  });

  const lastPrompt = () => t.llm.userMessages(t.llm.requests.length - 1).at(-1);
  const toolsOfLastRequest = () => (t.llm.requests.at(-1)?.tools ?? []).map((tool) => tool.function.name);

  it.each([
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ])(
    "should list the servers' prompts on / and insert one, its arguments asked in a form (%s)",
    async (name, viewport) => {
      ({ context, page } = await openPage(browser, t.url, viewport));
      await page.locator('#servers li[data-server="everything"]').waitFor({ state: 'attached' });
      await page.locator('#input').pressSequentially('/args-');
      const picker = page.locator('#picker');
      await picker.getByText('Arguments Prompt').waitFor();
      expect(await picker.locator('.picker-option').count()).toBe(1);
      expect(await picker.textContent()).toContain('A prompt with two arguments');
      await screenshot(page, `pmc-prompt-picker-${name}`);
      await page.locator('#input').press('Enter');

      const form = page.locator('dialog.values-dialog');
      await form.getByLabel('city *').fill('Lisbon');
      await form.getByRole('button', { name: 'Insert' }).click();
      await page.waitForFunction(
        (node) => (node as unknown as { value: string }).value !== '/args-',
        await page.locator('#input').elementHandle(),
      );
      expect(await page.locator('#input').inputValue()).toBe("What's weather in Lisbon?");
      await page.locator('#input').press('Enter');
      await lastAnswer(page).getByText("Echo: What's weather in Lisbon?").waitFor();
    },
  );

  it('should close the picker with Escape and keep what was typed', async () => {
    ({ context, page } = await openPage(browser, t.url));
    await page.locator('#servers li[data-server="everything"]').waitFor();
    await page.locator('#input').pressSequentially('/');
    await page.locator('#picker .picker-option').first().waitFor();
    expect(await page.locator('#picker .picker-option').count()).toBeGreaterThan(1);
    await page.locator('#input').press('Escape');
    expect(await page.locator('#picker').isVisible()).toBe(false);
    expect(await page.locator('#input').inputValue()).toBe('/');
  });

  it('should list resources and templates on @, attaching the chosen ones as context the model receives', async () => {
    ({ context, page } = await openPage(browser, t.url));
    await page.locator('#input').pressSequentially('Compare @');
    const picker = page.locator('#picker');
    await picker.locator('.picker-option').first().waitFor();
    expect(await picker.getByText('everything · template').count()).toBeGreaterThan(0);
    await screenshot(page, 'pmc-resource-picker');
    // A resource as it is listed.
    await page.locator('#input').press('Enter');
    const chips = page.locator('#attachments .chip');
    await chips.first().waitFor();
    expect(await page.locator('#input').inputValue()).toBe('Compare ');
    // A template, its variable asked for.
    await page.locator('#input').pressSequentially('@text/{');
    await picker.getByText('everything · template').waitFor();
    expect(await picker.locator('.picker-option').count()).toBe(1);
    await page.locator('#input').press('Enter');
    await page.locator('dialog.values-dialog').getByLabel('resourceId *').fill('7');
    await page.locator('dialog.values-dialog').getByRole('button', { name: 'Insert' }).click();
    await chips.nth(1).waitFor();
    expect(await chips.nth(1).getAttribute('title')).toMatch(/^everything: .*\/7$/);

    await page.locator('#input').press('Enter');
    await page.locator('#pmc-status[data-state="READY"]').waitFor();
    expect(await chips.count()).toBe(0);
    const prompt = lastPrompt();
    expect(prompt).toMatch(/^Compare\n\n<attachment server="everything" uri="[^"]+">/);
    expect(prompt?.match(/<attachment /g)).toHaveLength(2);
    // The message shows what it attached, also after a reload.
    await page.reload();
    await page.locator('.message.user .attachments .chip').nth(1).waitFor();
    expect(await page.locator('.message.user .attachments .chip').count()).toBe(2);
  });

  it('should switch a tool, then a whole server, off for this chat from the next turn', async () => {
    ({ context, page } = await openPage(browser, t.url));
    await sendMessage(page, 'first');
    await lastAnswer(page).getByText('Echo: first').waitFor();
    expect(toolsOfLastRequest()).toContain('echo');

    const server = page.locator('#servers li[data-server="everything"]');
    await server.locator('summary').click();
    const patched = () => page.waitForResponse((response) => response.request().method() === 'PATCH');
    await Promise.all([patched(), server.locator('input[data-switch="everything/echo"]').uncheck()]);
    await sendMessage(page, 'second');
    await lastAnswer(page).getByText('Echo: second').waitFor();
    expect(toolsOfLastRequest()).not.toContain('echo');
    expect(toolsOfLastRequest().length).toBeGreaterThan(0);
    await screenshot(page, 'pmc-tool-switches');

    await Promise.all([patched(), page.locator('#servers input[data-switch="everything"]').uncheck()]);
    // Kept with the chat: a reload shows the switches as they are.
    await page.reload();
    await page.locator('#servers li[data-server="everything"].switched-off').waitFor();
    await sendMessage(page, 'third');
    await lastAnswer(page).getByText('Echo: third').waitFor();
    expect(toolsOfLastRequest()).toEqual([]);
  });

  it('should apply switches set before the first message to the chat it creates', async () => {
    ({ context, page } = await openPage(browser, t.url, PHONE));
    await page.locator('#menu').click();
    const server = page.locator('#servers li[data-server="everything"]');
    await server.locator('summary').click();
    await page.locator('#servers input[data-switch="everything"]').uncheck();
    await page.locator('#backdrop').click({ position: { x: PHONE.width - 10, y: 10 } });
    await sendMessage(page, 'no tools at all');
    await lastAnswer(page).getByText('Echo: no tools at all').waitFor();
    expect(toolsOfLastRequest()).toEqual([]);
  });
});
