import { ChatAnthropic } from '@langchain/anthropic';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatOllama } from '@langchain/ollama';
import { ChatOpenAI } from '@langchain/openai';

import type { AppConfig } from '../config/app-config';
import { LangChainReplies } from './model-replies';
import type { ModelReplies } from './model-replies';
import { OpenAiReplies } from './openai-replies';

export const CHAT_MODEL = Symbol('CHAT_MODEL');

/** What the agent knows of its model: the instance, or why there is none. */
export interface ChatModelRef {
  model?: BaseChatModel;
  /** How the agent streams a reply: the lean OpenAI client, or the LangChain model's own stream. */
  replies?: ModelReplies;
  /** "provider:model", when configured. */
  name?: string;
  endpoint?: string;
  /** A free request that shows the endpoint answers and takes the key: a model listing, never a completion. */
  probe?: LlmProbe;
}

export interface LlmProbe {
  url: string;
  /** Credentials: never logged nor shown. */
  headers: Record<string, string>;
}

/**
 * The chat model named by LLM_MODEL, and how the agent streams its replies: OpenAI-compatible
 * endpoints through the lean client (LLM_CLIENT=lean, the default), everything else through the
 * LangChain model. LangChain's model stays for sampling requests of MCP servers.
 */
export function createChatModel(config: AppConfig): ChatModelRef {
  const ref = chatModelOf(config);
  if (!ref.model || !config.LLM_MODEL) {
    return ref;
  }
  const lean = config.LLM_CLIENT === 'lean' && config.LLM_MODEL.startsWith('openai:');
  const replies = lean
    ? new OpenAiReplies(config.LLM_MODEL.slice('openai:'.length), {
        // Local OpenAI-compatible servers accept any key.
        apiKey: config.OPENAI_API_KEY ?? 'not-needed',
        baseURL: config.OPENAI_BASE_URL,
        maxRetries: config.LLM_MAX_RETRIES,
      })
    : new LangChainReplies(ref.model);
  return { ...ref, replies };
}

/**
 * Builds the chat model named by LLM_MODEL ("provider:model"). Streaming asks the provider for usage,
 * so no tokenizer table is ever downloaded.
 */
function chatModelOf(config: AppConfig): ChatModelRef {
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
      const endpoint = config.OPENAI_BASE_URL ?? 'https://api.openai.com/v1';
      return {
        name: config.LLM_MODEL,
        endpoint,
        probe: {
          url: `${endpoint.replace(/\/+$/, '')}/models`,
          headers: config.OPENAI_API_KEY ? { authorization: `Bearer ${config.OPENAI_API_KEY}` } : {},
        },
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
      if (!config.ANTHROPIC_API_KEY) {
        throw new Error('Invalid configuration: LLM_MODEL=anthropic:… needs ANTHROPIC_API_KEY');
      }
      return {
        name: config.LLM_MODEL,
        endpoint: 'https://api.anthropic.com',
        probe: {
          url: 'https://api.anthropic.com/v1/models',
          headers: { 'x-api-key': config.ANTHROPIC_API_KEY, 'anthropic-version': '2023-06-01' },
        },
        model: new ChatAnthropic({ ...common, apiKey: config.ANTHROPIC_API_KEY, streaming: true }),
      };
    }
    case 'ollama': {
      const baseUrl = config.OLLAMA_BASE_URL ?? 'http://127.0.0.1:11434';
      return {
        name: config.LLM_MODEL,
        endpoint: baseUrl,
        probe: { url: `${baseUrl.replace(/\/+$/, '')}/api/tags`, headers: {} },
        model: new ChatOllama({ ...common, baseUrl }),
      };
    }
    default:
      throw new Error(`Invalid configuration: LLM_MODEL provider "${provider}" is not supported`);
  }
}
