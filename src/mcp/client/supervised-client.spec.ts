import { SdkError, SdkErrorCode } from '@modelcontextprotocol/client';

import { FakeConnector, fakeServer } from '../../../test/fakes/fake-mcp';
import { RecordingHost } from '../../../test/fixtures/recording-host';
import { ProcessBudget } from '../capacity/mcp-process-budget';
import type { ServerStatusChange } from './mcp-client-host';
import { EraVerdicts } from './mcp-era';
import { SupervisedClient } from './supervised-client';

const start = (timeoutMs = 1000) => ({ timeoutMs, signal: new AbortController().signal });
const noSignal = { signal: new AbortController().signal };

describe(SupervisedClient.name, () => {
  let connector: FakeConnector;
  let budget: ProcessBudget;
  let host: RecordingHost;
  let client: SupervisedClient;
  let changes: ServerStatusChange[];

  const newClient = (maxRestarts = 3, extra: { owner?: RecordingHost; scope?: 'shared' } = {}) => {
    client = new SupervisedClient(
      fakeServer('everything', extra.scope ? { scope: extra.scope } : {}),
      {
        label: 'session s1',
        roots: [],
        budget,
        startTimeoutMs: 1000,
        maxRestarts,
        restartBaseMs: 1,
        verdicts: new EraVerdicts(),
        connect: connector.connect,
      },
      extra.owner,
    );
    changes = [];
    client.onStatus((change) => changes.push(change));
  };

  /** Resolves on the first status change that matches, past or future. */
  const statusOf = (match: (change: ServerStatusChange) => boolean) =>
    new Promise<ServerStatusChange>((resolve) => {
      const seen = changes.find(match);
      if (seen) {
        resolve(seen);
        return;
      }
      const off = client.onStatus((change) => {
        if (match(change)) {
          off();
          resolve(change);
        }
      });
    });

  beforeEach(() => {
    connector = new FakeConnector();
    budget = new ProcessBudget(4);
    host = new RecordingHost('s1');
    newClient();
  });

  afterEach(async () => {
    await client.close();
  });

  it('should start once for callers that ask together, and hold one process place while it lives', async () => {
    await Promise.all([client.ensureReady(start()), client.ensureReady(start())]);
    expect(connector.opened).toHaveLength(1);
    expect(client.status).toBe('ready');
    expect(client.tools.map((tool) => tool.name)).toEqual(['echo']);
    expect(budget.used).toBe(1);
    expect(changes.map((change) => change.state)).toEqual(['starting', 'ready']);

    await client.close();
    expect(budget.used).toBe(0);
    expect(changes.at(-1)?.state).toBe('closed');
  });

  it('should report a start that fails, and try afresh when asked again', async () => {
    connector.failing = 'spawn fake-mcp-server ENOENT';
    await expect(client.ensureReady(start())).rejects.toThrow('ENOENT');
    expect(client.status).toBe('error');
    expect(budget.used).toBe(0);

    connector.failing = undefined;
    await client.ensureReady(start());
    expect(client.status).toBe('ready');
  });

  it('should leave its state as it was when the process cap refuses the start', async () => {
    budget = new ProcessBudget(0);
    newClient();
    await expect(client.ensureReady(start())).rejects.toMatchObject({ code: 'MCP_PROCESS_LIMIT' });
    expect(client.status).toBe('idle');
  });

  it('should give up waiting at the start timeout', async () => {
    connector.gate = new Promise(() => undefined);
    await expect(client.ensureReady(start(20))).rejects.toThrow('MCP_START_TIMEOUT_MS');
  });

  it('should call through the live connection and turn every failure into an error result', async () => {
    await client.ensureReady(start());
    expect(await client.call('echo', { message: 'hi' }, noSignal, host)).toEqual({
      content: 'echo: {"message":"hi"}',
      is_error: false,
    });
    connector.opened[0].answer = () => Promise.reject(new SdkError(SdkErrorCode.ConnectionClosed, 'closed'));
    expect(await client.call('echo', {}, noSignal, host)).toEqual({
      content: expect.stringContaining('closed the connection during "echo"'),
      is_error: true,
    });
  });

  it('should answer a call with an error result while the server is not ready', async () => {
    expect(await client.call('echo', {}, noSignal, host)).toEqual({
      content: 'Error: MCP server "everything" is idle',
      is_error: true,
    });
  });

  it('should restart a server that crashed, with the attempt reported, and serve again', async () => {
    await client.ensureReady(start());
    connector.opened[0].crash();
    const ready = await statusOf((change) => change.state === 'ready' && change.attempt !== undefined);
    expect(ready).toMatchObject({ attempt: 1, reason: 'restarted after: the server process exited' });
    expect(changes.map((change) => change.state)).toEqual(['starting', 'ready', 'restarting', 'ready']);
    expect(connector.opened).toHaveLength(2);
    expect(budget.used).toBe(1);
  });

  it('should restart a server that does not answer the heartbeat ping', async () => {
    await client.ensureReady(start());
    connector.opened[0].pingFails = true;
    await client.ping(100);
    await statusOf((change) => change.state === 'ready' && change.attempt === 1);
    expect(connector.opened[0].closed).toBe(true);
  });

  it('should mark the server down after MCP_MAX_RESTARTS failed restarts, and try again for the next caller', async () => {
    newClient(2);
    await client.ensureReady(start());
    connector.failing = 'still broken';
    connector.opened[0].crash();
    const down = await statusOf((change) => change.state === 'down');
    expect(down.reason).toMatch(/2 restarts failed \(MCP_MAX_RESTARTS\); last error: still broken/);
    // The restart loop ends right after its last status.
    await new Promise(setImmediate);

    connector.failing = undefined;
    await client.ensureReady(start());
    expect(client.status).toBe('ready');
  });

  it("should send a shared server's requests to the one session calling it, and refuse them when several are", async () => {
    newClient(3, { scope: 'shared' });
    await client.ensureReady(start());
    const connection = connector.opened[0];
    const other = new RecordingHost('s2');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    connection.answer = async () => {
      await held;
      return { content: 'done', is_error: false };
    };
    const elicit = () =>
      connection.events.elicit(
        { message: 'ok?', requestedSchema: { type: 'object', properties: {} } },
        noSignal.signal,
      );

    const call = client.call('echo', {}, noSignal, host);
    await expect(connection.events.sample({ messages: [], maxTokens: 1 }, noSignal.signal)).rejects.toThrow(
      'this test host does not sample',
    );
    const second = client.call('echo', {}, noSignal, other);
    expect(elicit).toThrow('2 sessions are calling it');
    release();
    await Promise.all([call, second]);
    // Nobody calls it now, and a shared client has no session of its own to ask.
    expect(elicit).toThrow('0 sessions are calling it');
  });

  it('should stop a restart under way when it closes', async () => {
    await client.ensureReady(start());
    connector.gate = new Promise(() => undefined);
    connector.opened[0].crash();
    await statusOf((change) => change.state === 'restarting');
    await client.close();
    expect(client.status).toBe('closed');
    await expect(client.ensureReady(start())).rejects.toThrow('is closed');
  });
});
