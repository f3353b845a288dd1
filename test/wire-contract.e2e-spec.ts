import { ErrorCode } from '../src/contract/error-code';
import { EVENT_TYPES } from '../src/contract/events';
import { contractModule } from '../src/pmc/contract-module';
import { waitForNoChildren } from './helpers/processes';
import { noMcpServers, startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

/**
 * What clients depend on, held to a snapshot: the OpenAPI document (routes, payloads, error body),
 * the event types and the error codes. A change here is a change of the wire contract: review it,
 * then update the snapshot with `npx jest test/wire-contract -u`.
 */
describe('Wire contract (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ MCP_CONFIG: noMcpServers() });
  });

  afterAll(async () => {
    await t?.close();
    await waitForNoChildren();
  });

  it('should keep the event types and error codes', () => {
    expect({ events: EVENT_TYPES, error_codes: Object.values(ErrorCode) }).toMatchSnapshot();
  });

  it('should serve the page the contract as an open ES module built from src/contract/', async () => {
    const res = await fetch(`${t.url}/pmc/contract.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const body = await res.text();
    expect(body).toBe(contractModule());
    for (const type of EVENT_TYPES) {
      expect(body).toContain(`"${type}"`);
    }
  });

  it('should keep the OpenAPI document', async () => {
    const res = await fetch(`${t.url}/api/docs-json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchSnapshot();
  });
});
