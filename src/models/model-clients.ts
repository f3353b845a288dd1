import { ChatAnthropic } from '@langchain/anthropic';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatOllama } from '@langchain/ollama';
import { ChatOpenAI } from '@langchain/openai';

import { endpointOf } from '../config/llm-models';
import type { LlmProvider, ModelEntry } from '../config/llm-models';
import { LangChainReplies } from './model-replies';
import type { ModelReplies } from './model-replies';
import { OpenAiReplies } from './openai-replies';

// Anthropic's API version header, as its SDK sends it.
export const ANTHROPIC_VERSION = '2023-06-01';
// Anthropic asks for a cap on every request; the SDK's default through LangChain.
const ANTHROPIC_MAX_TOKENS = 4096;

/** How a model is reached: every client names its endpoint itself, so no SDK reads one from the environment. */
export interface ModelClients {
  /** LangChain's chat model: replies where no lean client serves (and LLM_CLIENT=langchain). */
  chat: BaseChatModel;
  /** How the agent (and sampling) streams a reply. */
  replies: ModelReplies;
}

/** A free request that shows an endpoint answers and takes the key: a model listing, never a completion. */
export interface EndpointProbe {
  provider: LlmProvider;
  /** The endpoint as configured (shown to administrators): never a key. */
  endpoint: string;
  url: string;
  /** Credentials: never logged nor shown. */
  headers: Record<string, string>;
}

/**
 * Builds an entry's clients: OpenAI-compatible endpoints stream through the lean client unless
 * LLM_CLIENT=langchain; Anthropic (Messages API) and Ollama (native /api/chat) through LangChain's
 * models. Streaming asks the provider for usage, so no tokenizer table is ever downloaded.
 */
export function clientsOf(entry: ModelEntry, options: { maxRetries: number; lean: boolean }): ModelClients {
  const common = { model: entry.model, maxRetries: options.maxRetries };
  const endpoint = endpointOf(entry);
  switch (entry.provider) {
    case 'openai': {
      // Local OpenAI-compatible servers accept any key.
      const apiKey = entry.apiKey ?? 'not-needed';
      const chat = new ChatOpenAI({
        ...common,
        apiKey,
        configuration: { baseURL: endpoint },
        streaming: true,
        streamUsage: true,
      });
      const replies = options.lean
        ? new OpenAiReplies(entry.model, { apiKey, baseURL: endpoint, maxRetries: options.maxRetries })
        : new LangChainReplies(chat);
      return { chat, replies };
    }
    case 'anthropic': {
      const chat = new ChatAnthropic({
        ...common,
        apiKey: entry.apiKey,
        anthropicApiUrl: endpoint,
        maxTokens: ANTHROPIC_MAX_TOKENS,
        streaming: true,
      });
      return { chat, replies: new LangChainReplies(chat, 'final') };
    }
    case 'ollama': {
      const chat = new ChatOllama({ ...common, baseUrl: endpoint });
      return { chat, replies: new LangChainReplies(chat) };
    }
  }
}

/** The probe of an entry's endpoint: its model listing, with the provider's credentials. */
export function probeOf(entry: ModelEntry): EndpointProbe {
  const endpoint = endpointOf(entry);
  switch (entry.provider) {
    case 'openai':
      return {
        provider: entry.provider,
        endpoint,
        url: `${endpoint}/models`,
        headers: entry.apiKey ? { authorization: `Bearer ${entry.apiKey}` } : {},
      };
    case 'anthropic':
      return {
        provider: entry.provider,
        endpoint,
        url: `${endpoint}/v1/models`,
        headers: { 'x-api-key': entry.apiKey ?? '', 'anthropic-version': ANTHROPIC_VERSION },
      };
    case 'ollama':
      return { provider: entry.provider, endpoint, url: `${endpoint}/api/tags`, headers: {} };
  }
}
