import type { Browser, BrowserContext, Page } from 'playwright-core';

import { launchBrowser, screenshot } from './helpers/browser';
import { lastAnswer, openPage, sendMessage, useTransport } from './helpers/pmc';
import { waitForNoChildren } from './helpers/processes';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

/** The classes of the conversation's items, in order: which prompt each turn sits under. */
const order = (page: Page) =>
  page
    .locator('#messages > li')
    .evaluateAll((items) =>
      items.map((item) =>
        item.classList.contains('user')
          ? `user:${item.querySelector('.user-text')?.textContent}`
          : item.classList.contains('replaced-group')
            ? 'replaced'
            : `assistant:${item.classList.contains('stopped') ? 'stopped' : item.classList.contains('error') ? 'error' : 'answered'}`,
      ),
    );

describe('PMCChat turns in a real browser: reload mid-turn, queued prompts, outcomes, message actions (e2e)', () => {
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

  beforeEach(async () => {
    ({ context, page } = await openPage(browser, t.url));
  });

  afterEach(async () => {
    await context?.close();
  });

  it.each(['socket', 'sse'])(
    'should show the prompt, the answer so far, PROCESSING and a working Stop after a reload mid-turn (%s)',
    async (transport) => {
      await useTransport(page, transport);
      const key = `reload-${transport}`;
      await sendMessage(page, `Tell me [[hold:${key}]] slowly`);
      await t.llm.held(key);
      await lastAnswer(page).getByText('Echo:').waitFor();

      await page.reload();
      await page.locator('#connection[data-state="connected"]').waitFor();
      await page.locator('.message.user .user-text').getByText(`Tell me [[hold:${key}]] slowly`).waitFor();
      // Replayed from the event log: the answer begins where it began, not mid-word.
      expect(await lastAnswer(page).textContent()).toMatch(/^Echo:/);
      await page.locator('#pmc-status[data-state="PROCESSING"]').waitFor();
      await screenshot(page, `pmc-reload-mid-turn-${transport}`);
      await page.locator('#stop:not([disabled])').click();
      await page.locator('.message.assistant.stopped').getByText('Stopped', { exact: true }).waitFor();
      t.llm.release(key);
      await page.locator('#stop[disabled]').waitFor();
      expect(await order(page)).toEqual([`user:Tell me [[hold:${key}]] slowly`, 'assistant:stopped']);
      await useTransport(page, 'socket');
    },
  );

  it('should mark a message sent during a turn as queued, and draw every outcome under its own prompt', async () => {
    await sendMessage(page, 'first [[hold:queue]]');
    await t.llm.held('queue');
    await sendMessage(page, 'second');
    const second = page.locator('.message.user[data-outcome="queued"]');
    await second.getByText('Queued').waitFor();
    await screenshot(page, 'pmc-queued');
    await page.locator('#stop:not([disabled])').click();
    t.llm.release('queue');
    await lastAnswer(page).getByText('Echo: second').waitFor();
    await page.locator('#pmc-status[data-state="READY"]').waitFor();
    expect(await second.count()).toBe(0);
    expect(await order(page)).toEqual([
      'user:first [[hold:queue]]',
      'assistant:stopped',
      'user:second',
      'assistant:answered',
    ]);
  });

  it('should keep the prompts of stopped and failed turns after a reload, with their outcome', async () => {
    await sendMessage(page, '[[status:500]] fails');
    await page.locator('.message.assistant.error').waitFor();
    await sendMessage(page, 'stop [[hold:kept]]');
    await t.llm.held('kept');
    await page.locator('#stop:not([disabled])').click();
    await page.locator('.message.assistant.stopped').waitFor();
    t.llm.release('kept');
    await page.locator('#stop[disabled]').waitFor();

    await page.reload();
    const failed = page.locator('.message.user[data-outcome="failed"]');
    await failed.getByText('[[status:500]] fails').waitFor();
    expect(await failed.locator('.outcome').textContent()).toBe('Not answered: the turn failed');
    const stopped = page.locator('.message.user[data-outcome="cancelled"]');
    expect(await stopped.locator('.outcome').textContent()).toBe('Stopped');
    expect(await page.locator('#pmc-status').textContent()).toBe('READY');
    await screenshot(page, 'pmc-outcomes-after-reload');
  });

  it('should show a working indicator before the first word, and the model in the header', async () => {
    expect(await page.locator('#model').inputValue()).toBe('scripted');
    await sendMessage(page, 'never answered [[hang]]');
    const working = page.locator('.message.assistant .working');
    await working.waitFor();
    expect(await working.textContent()).toBe('Working…');
    await screenshot(page, 'pmc-working');
    await page.locator('#stop:not([disabled])').click();
    await page.locator('.message.assistant.stopped').waitFor();
    expect(await working.isVisible()).toBe(false);
  });

  it("should show a tool's progress and a server's sampling as steps of the turn", async () => {
    await sendMessage(page, '[[tool:trigger-long-running-operation {"duration":2,"steps":4}]]');
    const call = page.locator('.message.assistant').last().locator('.tool-call');
    await call.locator('progress:not([hidden])').waitFor({ state: 'attached' });
    expect(await call.locator('summary .meta').textContent()).toMatch(/^running · \d\/4/);
    await lastAnswer(page)
      .getByText(/^Observed: /)
      .waitFor();
    expect(await call.locator('progress').getAttribute('hidden')).not.toBeNull();

    await sendMessage(page, '[[tool:trigger-sampling-request {"prompt":"hello sampler"}]]');
    await lastAnswer(page)
      .getByText(/^Observed: /)
      .waitFor();
    const turn = page.locator('.message.assistant').last();
    await turn.locator('details.steps > summary').click();
    const sampling = turn.locator('.step[data-kind="sampling"]');
    expect(await sampling.count()).toBe(1);
    expect(await sampling.getAttribute('data-status')).toBe('succeeded');
    await sampling.locator('summary').click();
    expect(await sampling.textContent()).toContain('Echo: Resource trigger-sampling-request context: hello sampler');
    await screenshot(page, 'pmc-sampling');
  });

  it('should copy a message as Markdown, regenerate the last answer, and edit and resend the last prompt', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await sendMessage(page, '[[recall]] **first** try');
    await lastAnswer(page).getByText('History: [[recall]] first try').waitFor();
    const answer = page.locator('.message.assistant').last();
    await answer.getByRole('button', { name: 'Copy as Markdown' }).click();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe('History: [[recall]] **first** try');

    await answer.getByRole('button', { name: 'Answer this again' }).click();
    await page.locator('.replaced-group').waitFor();
    await page.locator('#pmc-status[data-state="READY"]').waitFor();
    expect(await order(page)).toEqual(['replaced', 'user:[[recall]] **first** try', 'assistant:answered']);

    await page.locator('.message.user').last().getByRole('button', { name: 'Edit and send again' }).click();
    await page.locator('.edit-box').fill('[[recall]] second try');
    await page.locator('.edit-box').press('Enter');
    await lastAnswer(page).getByText('History: [[recall]] second try').waitFor();
    expect(await order(page)).toEqual(['replaced', 'replaced', 'user:[[recall]] second try', 'assistant:answered']);
    await screenshot(page, 'pmc-regenerated');

    // The history keeps what was replaced, folded the same way.
    await page.reload();
    await lastAnswer(page).getByText('History: [[recall]] second try').waitFor();
    expect(await page.locator('.replaced-group .message.user').count()).toBe(2);
  });

  it('should highlight code with a copy button, draw tables, and open links safely, loading nothing from elsewhere', async () => {
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).origin !== new URL(t.url).origin && !request.url().startsWith('blob:')) {
        foreign.push(request.url());
      }
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page
      .locator('#input')
      .fill(
        'Look:\n```js\nconst answer = 42; // the answer\n```\n\n| name | size |\n|------|-----:|\n| a.txt | 12 |\n\nSee [the docs](https://example.com/docs).',
      );
    await page.locator('#input').press('Enter');
    const block = lastAnswer(page).locator('.code-block');
    await block.waitFor();
    expect(await block.locator('.token.keyword').first().textContent()).toBe('const');
    expect(await block.locator('.token.comment').textContent()).toBe('// the answer');
    await block.getByRole('button', { name: 'Copy code as Markdown' }).click();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe('const answer = 42; // the answer');
    const table = lastAnswer(page).locator('table');
    expect(await table.locator('th').allTextContents()).toEqual(['name', 'size']);
    expect(await table.locator('td.align-right').textContent()).toBe('12');
    const link = lastAnswer(page).getByRole('link', { name: 'the docs' });
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    await screenshot(page, 'pmc-code-and-table');
    expect(foreign).toEqual([]);
  });
});
