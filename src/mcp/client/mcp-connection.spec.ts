import { Logger } from '@nestjs/common';

import { everythingConfig } from '../../../test/fixtures/mcp-servers';
import { openConnection } from './mcp-connect';
import { McpConnection } from './mcp-connection';

const start = () => ({ timeoutMs: 20_000, signal: new AbortController().signal });

describe(McpConnection.name, () => {
  let connection: McpConnection | undefined;

  afterEach(async () => {
    jest.restoreAllMocks();
    await connection?.close();
  });

  it("should log the server's logging notifications at debug level under the server's name", async () => {
    const lines: Array<{ context: unknown; message: unknown }> = [];
    let logged!: () => void;
    const rootsLogged = new Promise<void>((resolve) => (logged = resolve));
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(function (this: Logger, message: unknown) {
      lines.push({ context: (this as unknown as { context?: string }).context, message });
      if (String(message).includes('Roots updated')) {
        logged();
      }
    });
    connection = await openConnection(
      everythingConfig('everything'),
      'test',
      [{ uri: 'file:///srv/workspace', name: 'workspace' }],
      start(),
    );
    // server-everything asks for the roots after initializing, then logs how many it got.
    await rootsLogged;
    expect(lines).toContainEqual({
      context: 'McpConnection:everything',
      message: 'info everything-server: Roots updated: 1 root(s) received from client',
    });
  });

  it('should close stdin, then signal, and resolve once the process has exited', async () => {
    connection = await openConnection(everythingConfig(), 'test', [], start());
    const pid = connection.pid!;
    expect(() => process.kill(pid, 0)).not.toThrow();
    await connection.close();
    expect(connection.alive).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
