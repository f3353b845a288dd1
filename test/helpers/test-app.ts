import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { McpService } from '../../src/mcp/mcp.service';
import { everythingServer } from '../fixtures/mcp-servers';
import { ScriptedLlm } from '../fixtures/scripted-llm';

export interface TestApp {
  app: NestExpressApplication;
  url: string;
  llm: ScriptedLlm;
  close(): Promise<void>;
}

// Folders of the configs written below: the app that is started with one removes it when it stops.
const written = new Set<string>();

/**
 * An MCP config with server-everything over stdio, from node_modules, as a user would write it. It
 * speaks 2025-11-25 only, so it is pinned to that revision: no era probe (a second process) per app.
 */
export function writeMcpConfig(
  servers: Record<string, object> = { everything: { ...everythingServer(), protocol: '2025-11-25' } },
): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-host-test-'));
  const path = join(dir, 'mcp.config.json');
  writeFileSync(path, JSON.stringify({ mcpServers: servers }));
  written.add(dir);
  return path;
}

/** An MCP config with no server, for tests of what does not involve MCP: no process is started. */
export const noMcpServers = (): string => writeMcpConfig({});

/**
 * Boots the real AppModule on a free loopback port, with a scripted LLM behind the real model
 * clients. Settings are overrides, so each test states what it relies on; given as a function, they
 * may name the scripted LLM's endpoints (its Anthropic and Ollama wires).
 */
export async function startApp(
  settings: Record<string, string> | ((llm: ScriptedLlm) => Record<string, string>) = {},
  port = 0,
  { awaitCatalog = true }: { awaitCatalog?: boolean } = {},
): Promise<TestApp> {
  const llm = new ScriptedLlm();
  const llmUrl = await llm.start();
  const overrides = typeof settings === 'function' ? settings(llm) : settings;
  const mcpConfig = overrides.MCP_CONFIG ?? writeMcpConfig();
  const removeConfig = () => {
    const dir = join(mcpConfig, '..');
    if (written.delete(dir)) {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({
      LLM_MODEL: 'openai:scripted',
      OPENAI_BASE_URL: llmUrl,
      OPENAI_API_KEY: 'test-key',
      LLM_MAX_RETRIES: '0',
      LOG_LEVEL: 'error',
      RATE_LIMIT_PER_MINUTE: '0',
      ...overrides,
      MCP_CONFIG: mcpConfig,
    }),
    { logger: ['error'], forceCloseConnections: true, abortOnError: false },
  ).catch(async (error: unknown) => {
    // A start-up that fails must not leave the LLM fixture listening.
    await llm.stop();
    removeConfig();
    throw error;
  });
  configureApp(app);
  await app.listen(port, '127.0.0.1');
  // The start-up listing of the servers runs in the background; tests that count MCP processes
  // start from a quiet state (a test with a server that never answers need not wait for it).
  if (awaitCatalog) {
    await app.get(McpService).discoverCatalog();
  }
  const url = await app.getUrl();
  return {
    app,
    url: url.replace('[::1]', '127.0.0.1'),
    llm,
    close: async () => {
      await app.close();
      await llm.stop();
      removeConfig();
    },
  };
}
