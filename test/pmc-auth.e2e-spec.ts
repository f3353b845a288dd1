import type { Browser, BrowserContext, Page } from 'playwright-core';

import { everythingServer } from './fixtures/mcp-servers';
import { launchBrowser, screenshot } from './helpers/browser';
import { AUDIENCE, ISSUER, startIdentityProvider } from './helpers/jwks';
import type { TestIdentityProvider } from './helpers/jwks';
import { startProtectedServer } from './helpers/oauth-server';
import type { ProtectedServer } from './helpers/oauth-server';
import { freePort } from './helpers/ports';
import { waitForNoChildren } from './helpers/processes';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const ALICE_KEY = 'alice-key-0123456789abcdef';

async function signIn(page: Page, credential: string): Promise<void> {
  await page.locator('#sign-in[open]').waitFor();
  await page.locator('#credential').fill(credential);
  await page.locator('#credential').press('Enter');
  await page.locator('#sign-in').waitFor({ state: 'hidden' });
}

/** Types the message and sends it. */
async function send(page: Page, text: string): Promise<void> {
  await page.locator('#input').fill(text);
  await page.locator('#input').press('Enter');
}

/** PMCChat with authentication on: it asks who you are, says who is signed in, and asks before tools write. */
describe('PMCChat with authentication, in a real browser (e2e)', () => {
  let idp: TestIdentityProvider;
  let remote: ProtectedServer;
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    idp = await startIdentityProvider();
    remote = await startProtectedServer();
    const port = await freePort();
    t = await startApp(
      {
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        AUTH_API_KEYS: `alice:${ALICE_KEY}`,
        AUTH_JWKS_URL: idp.jwksUrl,
        AUTH_ISSUER: ISSUER,
        AUTH_AUDIENCE: AUDIENCE,
        MCP_CONFIG: writeMcpConfig({
          everything: everythingServer(),
          notes: {
            command: process.execPath,
            args: [require.resolve('./fixtures/notes-server.cjs')],
            require_approval: 'writes',
          },
          secure: { url: remote.url },
        }),
      },
      port,
    );
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await idp?.close();
    remote?.process.kill();
    await waitForNoChildren();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    page = await context.newPage();
  });

  /** The page, signed in with the credential and connected. */
  const openSignedIn = async (credential: string) => {
    await page.goto(`${t.url}/pmc/`);
    await signIn(page, credential);
    await page.locator('#connection[data-state="connected"]').waitFor();
  };

  afterEach(async () => {
    await context?.close();
  });

  it('should ask for a key before it connects, refuse a wrong one, say who is signed in, and sign out', async () => {
    // The root is public and leads to the page, which asks for the credential.
    const root = await page.goto(`${t.url}/`);
    expect(root?.url()).toBe(`${t.url}/pmc/`);
    expect(root?.status()).toBe(200);
    await page.locator('#sign-in[open]').waitFor();
    await page.locator('#credential').fill('wrong-key-0123456789');
    await page.locator('#credential').press('Enter');
    await page
      .locator('#sign-in-error')
      .getByText(/not valid/)
      .waitFor();
    await signIn(page, ALICE_KEY);
    await page.locator('#connection[data-state="connected"]').waitFor();
    expect(await page.locator('#who').textContent()).toBe('Signed in as key:alice');
    // Kept for the tab only: sessionStorage, never localStorage.
    expect(await page.evaluate<string>('JSON.stringify(localStorage)')).not.toContain(ALICE_KEY);

    await send(page, 'hello');
    await page.locator('.message.assistant .answer').getByText('Echo: hello').waitFor();

    await page.locator('#sign-out').click();
    await page.locator('#sign-in[open]').waitFor();
    expect(await page.locator('.message').count()).toBe(0);
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
  });

  it('should show a tool call that needs approval as a card, and run it once approved', async () => {
    await openSignedIn(ALICE_KEY);
    await send(page, '[[tool:write_note {"text":"buy milk"}]]');

    const card = page.locator('.approval');
    await card.waitFor();
    expect(await card.locator('.label').textContent()).toContain('notes · write_note');
    expect(await card.locator('pre').textContent()).toContain('"text": "buy milk"');
    await screenshot(page, 'pmc-approval');
    await card.getByRole('button', { name: 'Approve' }).click();
    await page.locator('.approval[data-status="approved"]').waitFor();
    await page.locator('.message.assistant .answer').getByText('Observed: saved buy milk').waitFor();

    await send(page, '[[tool:write_note {"text":"sell milk"}]]');
    await page.locator('.approval').nth(1).getByRole('button', { name: 'Deny' }).click();
    await page.locator('.approval[data-status="denied"]').waitFor();
    await page
      .locator('.message.assistant .answer')
      .getByText(/declined this tool call/)
      .waitFor();
  });

  it("should load a tool's image with the tab's credential (an <img> alone would send none)", async () => {
    await openSignedIn(ALICE_KEY);
    await send(page, '[[tool:get-tiny-image {}]]');
    await page
      .locator('.message.assistant .answer')
      .getByText(/\(and 1 image\)/)
      .waitFor();
    const image = page.locator('.tool-call .tool-content img');
    await page.waitForFunction((node) => node?.complete && node.naturalWidth > 0, await image.elementHandle());
    expect(await image.evaluate((node) => (node as unknown as { naturalWidth: number }).naturalWidth)).toBe(20);
  });

  it('should ask again when the token expires, keeping the conversation on screen', async () => {
    // Ten seconds: long enough for a loaded machine to sign in and run a turn before it expires.
    await openSignedIn(await idp.sign('bob', {}, 10));
    expect(await page.locator('#who').textContent()).toBe('Signed in as jwt:bob');
    await send(page, 'before it expires');
    await page.locator('.message.assistant .answer').getByText('Echo: before it expires').waitFor();

    // The server closes the socket when the token expires; the page asks for a new one.
    await page.locator('#sign-in[open]').waitFor({ timeout: 30_000 });
    expect(await page.locator('.message.user .user-text').first().textContent()).toBe('before it expires');
    await signIn(page, await idp.sign('bob', {}, 600));
    await page.locator('#connection[data-state="connected"]').waitFor();
    await send(page, 'after signing in again');
    await page.locator('.message.assistant .answer').getByText('Echo: after signing in again').waitFor();
    expect(await page.locator('.message.user').count()).toBe(2);
  });

  it('should offer a Connect link for a server that needs authorization, and come back connected', async () => {
    await openSignedIn(ALICE_KEY);
    await send(page, '[[tool:secret {}]]');
    await page
      .locator('.message.assistant .answer')
      .getByText(/TOOL_NOT_AVAILABLE: no tool "secret"/)
      .waitFor();

    const connect = page.locator('#servers li[data-server="secure"] a.connect');
    await connect.waitFor();
    // The authorization server consents at once and sends the browser back to the page.
    await connect.click();
    await page.waitForURL(`${t.url}/pmc/`);
    await page.locator('#notice').getByText('secure is connected').waitFor();
    await page.locator('#connection[data-state="connected"]').waitFor();
    await send(page, '[[tool:secret {}]]');
    await page
      .locator('.message.assistant .answer')
      .getByText(/Observed: secret for client/)
      .waitFor();
    expect(await page.locator('#servers li[data-server="secure"] a.connect').count()).toBe(0);
  });
});
