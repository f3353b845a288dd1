import type { Browser, BrowserContext, Page } from 'playwright-core';

import { launchBrowser, screenshot } from './helpers/browser';
import { createSession, postJson } from './helpers/http';
import { lastAnswer, openPage, sendMessage } from './helpers/pmc';
import { freePort } from './helpers/ports';
import { waitForNoChildren } from './helpers/processes';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

describe('PMCChat in a real browser (e2e)', () => {
  let t: TestApp;
  let port: number;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    port = await freePort();
    t = await startApp({}, port);
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

  it('should be served at /pmc, with / redirecting there, and show the status at a glance', async () => {
    expect(new URL(page.url()).pathname).toBe('/pmc/');
    await expect(page.title()).resolves.toBe('PMCChat');
    expect(await page.locator('#pmc-status').textContent()).toBe('IDLE');
    await page.locator('#servers li[data-server="everything"]').waitFor();
  });

  it('should stream the answer, with Enter sending and Shift+Enter breaking the line', async () => {
    await page.locator('#input').fill('first line');
    await page.locator('#input').press('Shift+Enter');
    await page.locator('#input').press('End');
    await page.keyboard.type('second line');
    expect(await page.locator('#input').inputValue()).toBe('first line\nsecond line');
    await page.locator('#input').press('Enter');

    await page.locator('.message.user').last().waitFor();
    expect(await page.locator('.message.user .user-text').last().textContent()).toBe('first line\nsecond line');
    await lastAnswer(page).getByText('Echo: first line').waitFor();
    await page.locator('#pmc-status[data-state="READY"]').waitFor();
    expect(await page.locator('#input').inputValue()).toBe('');
  });

  it('should fold a tool call into one line, "Used server · tool — N ms", its arguments and result a click away', async () => {
    await sendMessage(page, '[[tool:echo {"message":"from the browser"}]]');
    await lastAnswer(page).getByText('Observed: Echo: from the browser').waitFor();

    const turn = page.locator('.message.assistant').last();
    const steps = turn.locator('details.steps');
    expect(await steps.getAttribute('open')).toBeNull();
    // The tool's title, as the server gives it, names it.
    expect(await steps.locator('summary').first().textContent()).toMatch(/^Used everything · Echo Tool — \d+ ms$/);
    // No empty thinking, no acting line, no observing echo of the result: the one call is the one step.
    expect(await steps.locator('.step').count()).toBe(1);
    await steps.locator('summary').first().click();
    const call = steps.locator('.tool-call');
    expect(await call.getAttribute('data-status')).toBe('succeeded');
    await call.locator('summary').click();
    const body = await call.textContent();
    expect(body).toContain('"message": "from the browser"');
    expect(body?.match(/Echo: from the browser/g)).toHaveLength(1);
    // The model that answered, the turn's duration and tokens, with the split on hover.
    expect(await turn.locator('.turn-meta').textContent()).toMatch(/^scripted · [\d.]+ (ms|s) · \d+ tokens$/);
    expect(await turn.locator('.turn-meta').getAttribute('title')).toMatch(/^\d+ in · \d+ out · 2 iterations$/);
    await screenshot(page, 'pmc-tool-turn');
  });

  it("should show a tool's image in its step, fetched from its artifact link", async () => {
    await sendMessage(page, '[[tool:get-tiny-image {}]]');
    await lastAnswer(page)
      .getByText(/Observed: .*\(and 1 image\)/)
      .waitFor();
    // An image is worth seeing without opening anything.
    const steps = page.locator('.message.assistant').last().locator('details.steps[open]');
    const image = steps.locator('.tool-call .tool-content img');
    await image.waitFor();
    // Loaded and decoded: the page's CSP lets the blob: through, and the bytes are a real PNG.
    await page.waitForFunction((node) => node?.complete && node.naturalWidth > 0, await image.elementHandle());
    expect(await image.evaluate((node) => (node as unknown as { naturalWidth: number }).naturalWidth)).toBe(20);
    expect(await image.getAttribute('src')).toMatch(/^blob:/);
    await screenshot(page, 'pmc-tool-image');
  });

  it('should stop a slow answer with the Stop button: "Stopped", no failure, what came so far kept', async () => {
    await sendMessage(page, 'slow [[hold:stop-me]] answer');
    await t.llm.held('stop-me');
    await lastAnswer(page).getByText('Echo:').waitFor();
    await page.locator('#stop:not([disabled])').click();
    const turn = page.locator('.message.assistant.stopped');
    await turn.getByText('Stopped', { exact: true }).waitFor();
    expect(await turn.getAttribute('class')).not.toContain('error');
    expect(await turn.getAttribute('role')).toBeNull();
    expect(await turn.locator('.answer').textContent()).toContain('Echo:');
    expect(await page.getByText('TURN_CANCELLED').count()).toBe(0);
    t.llm.release('stop-me');
    await page.locator('#stop[disabled]').waitFor();
    await screenshot(page, 'pmc-stopped');
  });

  it('should restore the history after a reload, and list the session', async () => {
    await sendMessage(page, 'remember me');
    await lastAnswer(page).getByText('Echo: remember me').waitFor();
    await page.reload();
    await page.locator('.message.user').getByText('remember me').waitFor();
    await page.locator('.message.assistant .answer').getByText('Echo: remember me').waitFor();
    await page.locator('#sessions button[aria-current="true"]').waitFor();
  });

  it('should draw a long history a page at a time, the earlier messages a click away', async () => {
    const sessionId = await createSession(t.url);
    for (let i = 0; i < 27; i++) {
      await postJson(`${t.url}/chat`, { message: `turn ${i}`, session_id: sessionId });
    }
    await page.evaluate(
      (id) =>
        (globalThis as unknown as { localStorage: { setItem(key: string, value: string): void } }).localStorage.setItem(
          'pmc.session',
          id,
        ),
      sessionId,
    );
    await page.reload();
    const user = (text: string) => page.locator('.message.user').getByText(text, { exact: true });
    await user('turn 26').waitFor();
    // 54 messages: the latest 50 come with the session, from turn 2 on.
    expect(await user('turn 1').count()).toBe(0);
    expect(await user('turn 2').count()).toBe(1);
    const earlier = page.getByRole('button', { name: 'Show earlier messages' });
    await earlier.click();
    await user('turn 0').waitFor();
    expect(await page.locator('.message.user').count()).toBe(27);
    expect(await earlier.count()).toBe(0);
    expect(await page.locator('.message.user .user-text').first().textContent()).toBe('turn 0');
  });

  it('should render model and tool output as text, never as HTML', async () => {
    const payload = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> **bold**';
    await sendMessage(page, `[[tool:echo {"message":${JSON.stringify(payload)}}]]`);
    await lastAnswer(page).getByText('window.__pwned=1').waitFor();
    const turn = page.locator('.message.assistant').last();
    await turn.locator('details.steps > summary').click();
    await turn.locator('.tool-call summary').click();

    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('#messages img, #messages script').count()).toBe(0);
    expect(await turn.locator('.tool-call pre').last().textContent()).toContain('<img src=x onerror=');
    // Markdown still works around it.
    expect(await lastAnswer(page).locator('strong').textContent()).toBe('bold');
  });

  it('should answer an elicitation with a form built from its schema', async () => {
    await sendMessage(page, '[[tool:trigger-elicitation-request {}]]');
    const card = page.locator('.elicitation');
    await card.waitFor();
    await card.getByLabel('String *').fill('Grace Hopper');
    await card.getByRole('button', { name: 'Submit' }).click();
    await lastAnswer(page).getByText('Name: Grace Hopper').waitFor();
    await card.getByText("everything's question was accepted.").waitFor();
  });

  it('should work over SSE too', async () => {
    await page.locator('#transport').selectOption('sse');
    await page.locator('#connection[data-state="connected"]').waitFor();
    await sendMessage(page, '[[tool:echo {"message":"over sse"}]]');
    await lastAnswer(page).getByText('Observed: Echo: over sse').waitFor();
    await page.reload();
    expect(await page.locator('#transport').inputValue()).toBe('sse');
    await page.locator('.message.assistant .answer').getByText('Observed: Echo: over sse').waitFor();
    await page.locator('#transport').selectOption('socket');
  });

  it('should stay connected over SSE when a turn ends with an error event, which is no transport error', async () => {
    await page.locator('#transport').selectOption('sse');
    await page.locator('#connection[data-state="connected"]').waitFor();
    await sendMessage(page, '[[status:500]]');
    await page.locator('.message.assistant.error').getByText('Error: LLM_ERROR').waitFor();
    expect(await page.locator('#connection').getAttribute('data-state')).toBe('connected');
    await sendMessage(page, 'still here');
    await lastAnswer(page).getByText('Echo: still here').waitFor();
    expect(await page.locator('#connection').getAttribute('data-state')).toBe('connected');
    await page.locator('#transport').selectOption('socket');
  });

  it('should fit a phone screen, with the sessions behind a menu', async () => {
    await page.setViewportSize({ width: 375, height: 700 });
    expect(await page.locator('#sidebar').boundingBox()).toMatchObject({ x: expect.any(Number) });
    expect((await page.locator('#sidebar').boundingBox())!.x).toBeLessThan(0);
    await page.locator('#menu').click();
    await page.locator('#new-chat').click();
    await sendMessage(page, 'small screen');
    await lastAnswer(page).getByText('Echo: small screen').waitFor();
    const box = (await page.locator('#send').boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(375);
  });

  it.each(['socket', 'sse'])(
    'should reconnect by itself over %s after the server restarts, keeping the conversation on screen',
    async (transport) => {
      await page.locator('#transport').selectOption(transport);
      await page.locator('#connection[data-state="connected"]').waitFor();
      await sendMessage(page, 'before the restart');
      await lastAnswer(page).getByText('Echo: before the restart').waitFor();

      await t.close();
      await page.locator('#connection[data-state="reconnecting"]').waitFor();
      t = await startApp({}, port);
      await page.locator('#connection[data-state="connected"]').waitFor({ timeout: 30_000 });
      await page.getByText('your next message starts a new chat').waitFor({ timeout: 30_000 });
      expect(await page.locator('.message.user').getByText('before the restart').count()).toBe(1);

      await sendMessage(page, 'after the restart');
      await lastAnswer(page).getByText('Echo: after the restart').waitFor();
      await page.locator('#transport').selectOption('socket');
    },
  );
});
