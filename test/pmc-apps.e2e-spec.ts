import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';

import { launchBrowser, screenshot } from './helpers/browser';
import { waitForNoChildren } from './helpers/processes';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const APP_SERVER = require.resolve('./fixtures/app-server.mjs');
const counter = (extra: Record<string, unknown> = {}) => ({ command: process.execPath, args: [APP_SERVER], ...extra });

async function sendMessage(page: Page, text: string): Promise<void> {
  await page.locator('#input').fill(text);
  await page.locator('#input').press('Enter');
}

/** MCP Apps in PMCChat: a tool's view in a sandboxed iframe, and the host side of its bridge, in Chromium. */
describe('PMCChat: MCP Apps views in a real browser (e2e)', () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  // Another page on loopback, which a view tries to show in its frame: it counts who reached it.
  let elsewhere: Server;
  let elsewhereHits = 0;

  beforeAll(async () => {
    elsewhere = createServer((_request, response) => {
      elsewhereHits++;
      response.end('<h1>Somewhere else</h1>');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    t = await startApp({
      MCP_CONFIG: writeMcpConfig({ counter: counter(), guarded: counter({ require_approval: 'always' }) }),
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => elsewhere?.close(resolve));
    await waitForNoChildren(/app-server/);
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    page = await context.newPage();
    await page.goto(`${t.url}/`);
    await page.locator('#connection[data-state="connected"]').waitFor();
  });

  afterEach(async () => {
    await context?.close();
  });

  /** Has the model call `tool`; the view its turn shows, once the view got the call's result. */
  const showCounter = async (tool = 'counter__show_counter', args: object = {}): Promise<FrameLocator> => {
    // This one view, also once later turns came.
    const holder = page.locator('.app-view').nth(await page.locator('.app-view').count());
    await sendMessage(page, `[[tool:${tool} ${JSON.stringify(args)}]]`);
    await holder.locator('iframe').waitFor();
    const view = holder.frameLocator('iframe');
    await view.locator('#count').filter({ hasText: /^\d+$/ }).waitFor();
    return view;
  };

  it("should render a tool's view in a sandboxed iframe that gets the call's result and sizes itself", async () => {
    const view = await showCounter();
    const holder = page.locator('.app-view').last();
    expect(await holder.getAttribute('class')).toContain('bordered');
    const frame = holder.locator('iframe');
    expect(await frame.getAttribute('sandbox')).toBe('allow-scripts');
    // The view finished the handshake with this host, and got the call's arguments.
    await view.locator('body[data-host="PMCChat"]').waitFor();
    expect(await view.locator('body').getAttribute('data-input')).toBe('{}');
    // It told the host its size: the frame is no longer the default 12rem (192px) tall.
    await page.waitForFunction(
      (node) => node !== null && Math.round(node.getBoundingClientRect().height) !== 192,
      await frame.elementHandle(),
    );
    await screenshot(page, 'pmc-app-view');
  });

  it('should keep the view in its own origin, with no network but what its server declared', async () => {
    const view = await showCounter();
    await view.locator('#escape').click();
    const status = view.locator('#status');
    await status.filter({ hasText: 'fetch:' }).waitFor();
    const text = (await status.textContent())!;
    expect(text).toContain('parent:blocked');
    expect(text).toContain('cookie:blocked');
    expect(text).toContain('fetch:blocked');
  });

  it.each([
    ['sets its location', '#away', 'loopback'],
    ['follows a link', '#link', 'same-origin'],
    ['refreshes', '#refresh', 'loopback'],
  ])('should close a view that %s to another page (%s), which is never requested', async (_how, control, where) => {
    const target =
      where === 'loopback' ? `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/` : `${t.url}/pmc/?framed`;
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const hits = elsewhereHits;
    const view = await showCounter('counter__show_counter', { elsewhere: target });
    const holder = page.locator('.app-view').last();
    await view.locator(control).click();
    await holder.getByText(/tried to open another page, so it was closed/).waitFor();
    expect(await holder.locator('iframe').count()).toBe(0);
    expect(requested).not.toContain(target);
    expect(elsewhereHits).toBe(hits);
    // The chat goes on.
    await sendMessage(page, 'still here');
    await page.locator('.message.assistant .answer').getByText('Echo: still here').waitFor();
  });

  it("should pass the view's calls of its server's tools on, and refuse those not meant for views", async () => {
    const view = await showCounter();
    const before = Number(await view.locator('#count').textContent());
    await view.locator('#more').click();
    await view
      .locator('#count')
      .filter({ hasText: String(before + 1) })
      .waitFor();
    expect(await view.locator('#status').textContent()).toBe('ok');
    await view.locator('#reset').click();
    await view
      .locator('#status')
      .filter({ hasText: /^refused: / })
      .waitFor();
    expect(await view.locator('#status').textContent()).toContain('has no tool "reset" its views may call');
    expect(await view.locator('#count').textContent()).toBe(String(before + 1));
  });

  it("should ask the user to approve a view's call where the server requires it", async () => {
    await sendMessage(page, '[[tool:guarded__show_counter {}]]');
    await page.locator('.approval button', { hasText: 'Approve' }).last().click();
    const view = page.locator('.app-view').first().frameLocator('iframe');
    await view.locator('#count').filter({ hasText: /^\d+$/ }).waitFor();
    const before = Number(await view.locator('#count').textContent());
    await view.locator('#more').click();
    // The view's call belongs to no turn: its card comes at the end of the chat.
    const card = page.locator('#messages > .approval').last();
    await card.getByText('increment').waitFor();
    await card.locator('button', { hasText: 'Approve' }).click();
    await view
      .locator('#count')
      .filter({ hasText: String(before + 1) })
      .waitFor();
  });

  it.each(['socket', 'sse'])('should send what the view sends to the chat as a message (%s)', async (transport) => {
    if (transport === 'sse') {
      await page.locator('#transport').selectOption('sse');
      await page.locator('#connection[data-state="connected"]').waitFor();
    }
    const view = await showCounter();
    const count = await view.locator('#count').textContent();
    await view.locator('#tell').click();
    await view.locator('#status').filter({ hasText: 'message sent' }).waitFor();
    const said = `The view says the counter is at ${count}`;
    await page.locator('.message.user').filter({ hasText: said }).waitFor();
    await page.locator('.message.assistant .answer').getByText(`Echo: ${said}`).waitFor();
  });
});
