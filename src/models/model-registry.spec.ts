import type { ChatAnthropic } from '@langchain/anthropic';
import type { ChatOllama } from '@langchain/ollama';
import type { ChatOpenAI } from '@langchain/openai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { validateEnvironment } from '../config/validate-environment';
import { createModelRegistry } from './model-registry';
import { OpenAiReplies } from './openai-replies';

const registryOf = (env: Record<string, string>) => createModelRegistry(validateEnvironment(env));

describe(createModelRegistry.name, () => {
  it('should build nothing, and fail nothing, when no model is configured', () => {
    const registry = registryOf({});
    expect(registry.configured).toBe(false);
    expect(registry.views('alice')).toEqual({ models: [], default: null });
    expect(registry.endpoints()).toEqual([]);
  });

  // Every client and probe names its endpoint itself (the SDKs would read ANTHROPIC_BASE_URL and
  // friends from the environment); built without connecting.
  it('should point each client and probe at the configured endpoints', () => {
    const registry = registryOf({
      LLM_MODELS: 'fast=openai:gpt-4o-mini,claude=anthropic:claude-sonnet-4-5,local=ollama:llama3.2',
      OPENAI_BASE_URL: 'http://127.0.0.1:1/v1',
      OPENAI_API_KEY: 'sk-o',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:2',
      ANTHROPIC_API_KEY: 'sk-a',
      OLLAMA_BASE_URL: 'http://127.0.0.1:3',
    });
    const [fast, claude, local] = registry.models;
    expect((fast.chat as ChatOpenAI).clientConfig.baseURL).toBe('http://127.0.0.1:1/v1');
    expect(fast.replies).toBeInstanceOf(OpenAiReplies);
    expect((fast.replies as unknown as { client: { baseURL: string } }).client.baseURL).toBe('http://127.0.0.1:1/v1');
    expect((claude.chat as ChatAnthropic).apiUrl).toBe('http://127.0.0.1:2');
    expect((local.chat as ChatOllama).baseUrl).toBe('http://127.0.0.1:3');
    const probes = registry
      .endpoints()
      .map(({ probe, models }) => ({ url: probe.url, headers: probe.headers, models }));
    expect(probes).toEqual([
      { url: 'http://127.0.0.1:1/v1/models', headers: { authorization: 'Bearer sk-o' }, models: ['fast'] },
      {
        url: 'http://127.0.0.1:2/v1/models',
        headers: { 'x-api-key': 'sk-a', 'anthropic-version': '2023-06-01' },
        models: ['claude'],
      },
      { url: 'http://127.0.0.1:3/api/tags', headers: {}, models: ['local'] },
    ]);
  });

  it("should reach the providers' public endpoints when no setting names one", () => {
    const registry = registryOf({
      LLM_MODELS: 'a=openai:gpt-4o-mini,b=openai:gpt-4o,c=anthropic:claude,d=ollama:llama3.2',
      OPENAI_API_KEY: 'sk-o',
      ANTHROPIC_API_KEY: 'sk-a',
    });
    expect((registry.get('a')!.chat as ChatOpenAI).clientConfig.baseURL).toBe('https://api.openai.com/v1');
    expect((registry.get('c')!.chat as ChatAnthropic).apiUrl).toBe('https://api.anthropic.com');
    // One probe per endpoint, naming the models it serves.
    expect(registry.endpoints().map(({ probe, models }) => [probe.url, models])).toEqual([
      ['https://api.openai.com/v1/models', ['a', 'b']],
      ['https://api.anthropic.com/v1/models', ['c']],
      ['http://127.0.0.1:11434/api/tags', ['d']],
    ]);
  });

  it('should show each caller only the models it may use, and its default among them', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'models-')), 'models.json');
    writeFileSync(
      path,
      JSON.stringify([
        { id: 'fast', model: 'openai:a' },
        { id: 'team', model: 'openai:b', label: 'Team model', principals: ['alice'] },
      ]),
    );
    const registry = registryOf({ LLM_MODELS_FILE: path, OPENAI_API_KEY: 'k', LLM_DEFAULT_MODEL: 'team' });
    expect(registry.views('alice')).toEqual({
      models: [
        { id: 'fast', label: 'fast', provider: 'openai', model: 'a', default: false },
        { id: 'team', label: 'Team model', provider: 'openai', model: 'b', default: true },
      ],
      default: 'team',
    });
    expect(registry.views('bob')).toEqual({
      models: [{ id: 'fast', label: 'fast', provider: 'openai', model: 'a', default: true }],
      default: 'fast',
    });
    expect(registry.choose('bob')?.id).toBe('fast');
    // Not configured and not allowed look alike.
    expect(() => registry.choose('bob', 'team')).toThrow(expect.objectContaining({ code: 'UNKNOWN_MODEL' }));
    expect(() => registry.choose('bob', 'nope')).toThrow(expect.objectContaining({ code: 'UNKNOWN_MODEL' }));
  });
});
