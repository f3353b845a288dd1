import { ChatAnthropic } from '@langchain/anthropic';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatOllama } from '@langchain/ollama';
import { ChatOpenAI } from '@langchain/openai';

import type { AppConfig } from '../config/app-config';

export const CHAT_MODEL = Symbol('CHAT_MODEL');

/** What the agent knows of its model: the instance, or why there is none. */
export interface ChatModelRef {
  model?: BaseChatModel;
  /** "provider:model", when configured. */
  name?: string;
  endpoint?: string;
}

/**
 * Builds the chat model named by LLM_MODEL ("provider:model"). Streaming asks the provider for usage,
 * so no tokenizer table is ever downloaded.
 */
export function createChatModel(config: AppConfig): ChatModelRef {
  if (!config.LLM_MODEL) {
    return {};
  }
  const separator = config.LLM_MODEL.indexOf(':');
  const provider = config.LLM_MODEL.slice(0, separator);
  const model = config.LLM_MODEL.slice(separator + 1);
  const common = { model, maxRetries: config.LLM_MAX_RETRIES };
  switch (provider) {
    case 'openai': {
      if (!config.OPENAI_API_KEY && !config.OPENAI_BASE_URL) {
        throw new Error(
          'Invalid configuration: LLM_MODEL=openai:… needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)',
        );
      }
      return {
        name: config.LLM_MODEL,
        endpoint: config.OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
        model: new ChatOpenAI({
          ...common,
          // Local OpenAI-compatible servers accept any key.
          apiKey: config.OPENAI_API_KEY ?? 'not-needed',
          configuration: { baseURL: config.OPENAI_BASE_URL },
          streaming: true,
          streamUsage: true,
        }),
      };
    }
    case 'anthropic': {
      return {
        name: config.LLM_MODEL,
        endpoint: 'anthropic',
        model: new ChatAnthropic({ ...common, streaming: true }),
      };
    }
    case 'ollama': {
      return { name: config.LLM_MODEL, endpoint: 'ollama', model: new ChatOllama(common) };
    }
    default:
      throw new Error(`Invalid configuration: LLM_MODEL provider "${provider}" is not supported`);
  }
}
