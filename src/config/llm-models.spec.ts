import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { endpointOf, mayUse, resolveModels, shownEndpoint } from './llm-models';
import { validateEnvironment } from './validate-environment';

describe(resolveModels.name, () => {
  it('should read LLM_MODEL as a one-entry list whose id is the model', () => {
    const { modelCatalog } = validateEnvironment({ LLM_MODEL: 'openai:gpt-4o-mini', OPENAI_API_KEY: 'k' });
    expect(modelCatalog).toEqual({
      entries: [{ id: 'gpt-4o-mini', label: 'gpt-4o-mini', provider: 'openai', model: 'gpt-4o-mini', apiKey: 'k' }],
      defaultId: 'gpt-4o-mini',
    });
  });

  it('should read LLM_MODELS with ids, the provider settings serving their entries', () => {
    const { modelCatalog } = validateEnvironment({
      LLM_MODELS: 'fast=openai:gpt-4o-mini, claude=anthropic:claude-sonnet-4-5,ollama:llama3.1:8b',
      OPENAI_API_KEY: 'o',
      ANTHROPIC_API_KEY: 'a',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
      LLM_DEFAULT_MODEL: 'claude',
    });
    expect(modelCatalog.defaultId).toBe('claude');
    expect(modelCatalog.entries).toEqual([
      { id: 'fast', label: 'fast', provider: 'openai', model: 'gpt-4o-mini', apiKey: 'o' },
      {
        id: 'claude',
        label: 'claude',
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        apiKey: 'a',
        baseUrl: 'http://127.0.0.1:1',
      },
      // The model is all after the first ':'.
      { id: 'llama3.1:8b', label: 'llama3.1:8b', provider: 'ollama', model: 'llama3.1:8b' },
    ]);
  });

  it.each([
    [{ LLM_MODEL: 'openai:a', LLM_MODELS: 'b=openai:b', OPENAI_API_KEY: 'k' }, /LLM_MODEL and LLM_MODELS are all set/],
    [{ LLM_MODELS: 'a=openai:x,a=openai:y', OPENAI_API_KEY: 'k' }, /"a" appears twice/],
    [{ LLM_MODELS: 'a=mistral:x' }, /LLM_MODELS: "mistral:x" is not "provider:model"/],
    [{ LLM_MODELS: 'bad id=openai:x', OPENAI_API_KEY: 'k' }, /model id "bad id"/],
    [{ LLM_MODELS: 'a=openai:x' }, /"a" \(openai\) needs OPENAI_API_KEY/],
    [{ LLM_MODELS: 'c=anthropic:x' }, /"c" \(anthropic\) needs ANTHROPIC_API_KEY/],
    [{ LLM_MODELS: 'a=openai:x', OPENAI_API_KEY: 'k', LLM_DEFAULT_MODEL: 'b' }, /LLM_DEFAULT_MODEL="b" is none/],
    [{ LLM_DEFAULT_MODEL: 'b' }, /LLM_DEFAULT_MODEL="b" is none of the configured models \(none\)/],
  ])('should refuse %j naming the setting', (env, message) => {
    expect(() => validateEnvironment(env)).toThrow(message);
  });

  it('should never echo a key in a refusal', () => {
    expect(() => validateEnvironment({ LLM_MODELS: 'a=openai:x,a=openai:y', OPENAI_API_KEY: 'sk-secret' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('sk-secret') }),
    );
  });

  describe('LLM_MODELS_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'models-'));
    const file = (name: string, content: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(content));
      return path;
    };

    it('should read labels, endpoints, keys from the variables named, and allow-lists', () => {
      const path = file('ok.json', [
        { id: 'fast', model: 'openai:gpt-4o-mini', label: 'Fast', base_url: 'http://127.0.0.1:2/v1' },
        { id: 'team', model: 'anthropic:claude', api_key_env: 'TEAM_KEY', principals: ['alice'] },
      ]);
      const { modelCatalog } = validateEnvironment({ LLM_MODELS_FILE: path, TEAM_KEY: 'tk' });
      expect(modelCatalog.entries).toEqual([
        { id: 'fast', label: 'Fast', provider: 'openai', model: 'gpt-4o-mini', baseUrl: 'http://127.0.0.1:2/v1' },
        { id: 'team', label: 'team', provider: 'anthropic', model: 'claude', apiKey: 'tk', principals: ['alice'] },
      ]);
      expect(mayUse(modelCatalog.entries[1], 'alice')).toBe(true);
      expect(mayUse(modelCatalog.entries[1], 'bob')).toBe(false);
    });

    it.each([
      [[{ id: 'a', model: 'openai:x', api_key_env: 'UNSET_VAR' }], /"api_key_env" names "UNSET_VAR", which is not set/],
      [[{ id: 'a', model: 'openai:x', base_url: 'ftp://x' }], /"base_url" must be an http\(s\) URL/],
      [[{ id: 'a', model: 'openai:x', base_url: 'http://x', principals: 'alice' }], /"principals" must be a list/],
      [{ nope: true }, /must hold a JSON array/],
    ])('should refuse %j', (content, message) => {
      expect(() => validateEnvironment({ LLM_MODELS_FILE: file('bad.json', content) })).toThrow(message);
    });

    it('should refuse a file it cannot read', () => {
      expect(() => validateEnvironment({ LLM_MODELS_FILE: join(dir, 'missing.json') })).toThrow(
        /LLM_MODELS_FILE cannot be read as JSON: ENOENT/,
      );
    });
  });

  // Each client and probe reaches the endpoint the configuration names, else the provider's public one.
  it.each([
    [{ provider: 'openai' as const }, 'https://api.openai.com/v1'],
    [{ provider: 'anthropic' as const }, 'https://api.anthropic.com'],
    [{ provider: 'ollama' as const }, 'http://127.0.0.1:11434'],
    [{ provider: 'anthropic' as const, baseUrl: 'http://127.0.0.1:9/' }, 'http://127.0.0.1:9'],
  ])('should reach %j at %s', (entry, endpoint) => {
    expect(endpointOf(entry)).toBe(endpoint);
  });

  it('should mask credentials of an endpoint wherever it is shown', () => {
    expect(shownEndpoint('https://user:s3cret@llm.example/v1')).toBe('https://***@llm.example/v1');
    expect(shownEndpoint('http://127.0.0.1:11434')).toBe('http://127.0.0.1:11434');
  });
});
