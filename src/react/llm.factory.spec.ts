import { validateEnvironment } from '../config/validate-environment';
import { createChatModel } from './llm.factory';

describe(createChatModel.name, () => {
  it('should build no model, and fail nothing, when LLM_MODEL is unset', () => {
    expect(createChatModel(validateEnvironment({}))).toEqual({});
  });

  it('should point an OpenAI model at OPENAI_BASE_URL', () => {
    const ref = createChatModel(
      validateEnvironment({ LLM_MODEL: 'openai:qwen', OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' }),
    );
    expect(ref).toMatchObject({ name: 'openai:qwen', endpoint: 'http://127.0.0.1:1/v1' });
    expect(ref.model?.getName()).toBe('ChatOpenAI');
  });

  it.each([
    [{ LLM_MODEL: 'openai:gpt-4o-mini' }, /OPENAI_API_KEY/],
    [{ LLM_MODEL: 'anthropic:claude-sonnet-4-5' }, /ANTHROPIC_API_KEY/],
  ])('should refuse %j naming the missing setting', (env, message) => {
    expect(() => createChatModel(validateEnvironment(env))).toThrow(message);
  });

  it('should build Anthropic and Ollama models from their settings', () => {
    const anthropic = createChatModel(
      validateEnvironment({ LLM_MODEL: 'anthropic:claude-sonnet-4-5', ANTHROPIC_API_KEY: 'k' }),
    );
    expect(anthropic.model?.getName()).toBe('ChatAnthropic');
    const ollama = createChatModel(
      validateEnvironment({ LLM_MODEL: 'ollama:llama3.2', OLLAMA_BASE_URL: 'http://127.0.0.2:11434' }),
    );
    expect(ollama).toMatchObject({ endpoint: 'http://127.0.0.2:11434' });
    expect(ollama.model?.getName()).toBe('ChatOllama');
  });
});
