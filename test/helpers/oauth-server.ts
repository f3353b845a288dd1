import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export interface ProtectedServer {
  /** Its MCP endpoint. */
  url: string;
  process: ChildProcess;
}

/** Starts the OAuth-protected MCP server fixture (test/fixtures/oauth-mcp-server.cjs); kill its process when done. */
export function startProtectedServer(): Promise<ProtectedServer> {
  const child = spawn(process.execPath, [require.resolve('../fixtures/oauth-mcp-server.cjs')], { stdio: 'pipe' });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const match = /LISTENING (\S+)/.exec(chunk.toString());
      if (match) {
        resolve({ url: match[1], process: child });
      }
    });
    child.once('exit', (code) => reject(new Error(`the OAuth fixture exited (${code})`)));
  });
}
