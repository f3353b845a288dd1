import type { Browser, BrowserContext, Page } from 'playwright-core';

import { launchBrowser, screenshot } from './helpers/browser';
import { lastAnswer, openPage, sendMessage, useTransport } from './helpers/pmc';
import { noMcpServers, startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

/** The meta line under each answer, in order (it starts with the model that wrote it). */
const metas = (page: Page) => page.locator('.message.assistant .turn-meta').allTextContents();

describe('PMCChat with several models in a real browser: the picker, and each answer naming its model (e2e)', () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    t = await startApp((llm) => ({
      LLM_MODEL: '',
      LLM_MODELS: 'fast=openai:scripted,claude=anthropic:scripted',
      ANTHROPIC_BASE_URL: llm.anthropicUrl,
      ANTHROPIC_API_KEY: 'sk-ant-test',
      MCP_CONFIG: noMcpServers(),
    }));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  beforeEach(async () => {
    ({ context, page } = await openPage(browser, t.url));
  });

  afterEach(async () => {
    await context?.close();
  });

  const sessionOnServer = async () => {
    const id = await page.evaluate<string>("localStorage.getItem('pmc.session')");
    return (await (await fetch(`${t.url}/api/v3/sessions/${id}`)).json()) as { model: string };
  };

  it.each(['socket', 'sse'])(
    "should start a chat on the model picked, switch it for the next answer, and keep each answer's model (%s)",
    async (transport) => {
      await useTransport(page, transport);
      const picker = page.locator('#model');
      expect(await picker.locator('option').allTextContents()).toEqual(['fast', 'claude']);
      expect(await picker.inputValue()).toBe('fast');

      // A new chat takes the model picked before its first message.
      await picker.selectOption('claude');
      await sendMessage(page, `first on claude (${transport})`);
      await lastAnswer(page).getByText(`Echo: first on claude (${transport})`).waitFor();
      await page.locator('.message.assistant .turn-meta:not([hidden])').first().waitFor();
      expect((await metas(page))[0]).toMatch(/^claude · /);
      expect(await sessionOnServer()).toMatchObject({ model: 'claude' });
      expect(t.llm.wireRequests.at(-1)).toMatchObject({ wire: 'anthropic' });

      // The open chat switches from its next message on; the earlier answer keeps its model.
      await picker.selectOption('fast');
      await page.locator('#notice').getByText('Answers come from fast from your next message.').waitFor();
      await sendMessage(page, `then on fast (${transport})`);
      await lastAnswer(page).getByText(`Echo: then on fast (${transport})`).waitFor();
      await page.locator('.message.assistant .turn-meta:not([hidden])').nth(1).waitFor();
      expect((await metas(page)).map((meta) => meta.split(' · ')[0])).toEqual(['claude', 'fast']);
      await screenshot(page, `pmc-models-${transport}`);

      // After a reload the history names each answer's model, and the picker the chat's.
      await page.reload();
      await page.locator('#connection[data-state="connected"]').waitFor();
      await lastAnswer(page).getByText(`Echo: then on fast (${transport})`).waitFor();
      expect(await metas(page)).toEqual(['claude', 'fast']);
      expect(await picker.inputValue()).toBe('fast');

      // A new chat starts on the default again.
      await page.locator('#new-chat').click();
      expect(await picker.inputValue()).toBe('fast');
    },
  );
});
