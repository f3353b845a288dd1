import { readFileSync } from 'node:fs';

import type { LlmSettings } from './llm.settings';

export type LlmProvider = 'openai' | 'anthropic' | 'ollama';

const PROVIDERS: readonly LlmProvider[] = ['openai', 'anthropic', 'ollama'];

/** An id a chat names its model by: what LLM_MODELS puts before `=`, or the model's own name. */
const MODEL_ID = /^[\w.:/-]{1,100}$/;

/** One model people may chat with, resolved at start-up from LLM_MODEL, LLM_MODELS or LLM_MODELS_FILE. */
export interface ModelEntry {
  id: string;
  label: string;
  provider: LlmProvider;
  /** The provider's name for the model: all after the first `:` of "provider:model". */
  model: string;
  /** The endpoint, when the entry or the provider's setting names one; else the provider's public default. */
  baseUrl?: string;
  /** The key the provider is called with (a setting's, or the variable `api_key_env` names); never shown. */
  apiKey?: string;
  /** Who may use it (principal ids); everyone when unset. */
  principals?: readonly string[];
}

/** The settings the catalog is resolved from. */
export type ModelSettings = Pick<
  LlmSettings,
  | 'LLM_MODEL'
  | 'LLM_MODELS'
  | 'LLM_MODELS_FILE'
  | 'LLM_DEFAULT_MODEL'
  | 'OPENAI_BASE_URL'
  | 'OPENAI_API_KEY'
  | 'ANTHROPIC_BASE_URL'
  | 'ANTHROPIC_API_KEY'
  | 'OLLAMA_BASE_URL'
>;

/** An entry of LLM_MODELS_FILE, as written. */
interface FileEntry {
  id?: unknown;
  model?: unknown;
  label?: unknown;
  base_url?: unknown;
  api_key_env?: unknown;
  principals?: unknown;
}

export interface ModelCatalog {
  entries: ModelEntry[];
  /** The id of the default model; undefined when no model is configured. */
  defaultId?: string;
}

/**
 * Resolves the models from the settings (`env` is the raw environment, for `api_key_env`). Returns
 * problems as lines naming the setting, for start-up to refuse with; never echoes a key.
 */
export function resolveModels(settings: ModelSettings, env: Record<string, string | undefined>): ModelCatalog & {
  problems: string[];
} {
  const problems: string[] = [];
  const named = (['LLM_MODEL', 'LLM_MODELS', 'LLM_MODELS_FILE'] as const).filter((key) => settings[key]);
  if (named.length > 1) {
    problems.push(`${named.join(' and ')} are all set: name the models in one of them`);
    return { entries: [], problems };
  }
  let entries: ModelEntry[] = [];
  if (settings.LLM_MODEL) {
    entries = fromSpec('LLM_MODEL', settings.LLM_MODEL, undefined, problems);
  } else if (settings.LLM_MODELS) {
    entries = settings.LLM_MODELS.split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
      .flatMap((item) => {
        const equals = item.indexOf('=');
        const spec = equals < 0 ? item : item.slice(equals + 1);
        return fromSpec('LLM_MODELS', spec, equals < 0 ? undefined : item.slice(0, equals), problems);
      });
  } else if (settings.LLM_MODELS_FILE) {
    entries = fromFile(settings.LLM_MODELS_FILE, env, problems);
  }
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.id)) {
      problems.push(`${named[0]}: the model id "${entry.id}" appears twice; give each entry its own id (id=provider:model)`);
    }
    seen.add(entry.id);
    withProviderSettings(entry, settings, named[0] ?? 'LLM_MODEL', problems);
  }
  if (settings.LLM_DEFAULT_MODEL && !seen.has(settings.LLM_DEFAULT_MODEL)) {
    problems.push(
      `LLM_DEFAULT_MODEL="${settings.LLM_DEFAULT_MODEL}" is none of the configured models (${[...seen].join(', ') || 'none'})`,
    );
  }
  const defaultId = entries.length > 0 ? (settings.LLM_DEFAULT_MODEL ?? entries[0].id) : undefined;
  return { entries, defaultId, problems };
}

/** "provider:model" with an optional id; the model's name is its id when none is given. */
function fromSpec(setting: string, spec: string, id: string | undefined, problems: string[]): ModelEntry[] {
  const separator = spec.indexOf(':');
  const provider = spec.slice(0, separator) as LlmProvider;
  const model = spec.slice(separator + 1);
  if (separator < 0 || !PROVIDERS.includes(provider) || model === '' || /\s/.test(model)) {
    problems.push(
      `${setting}: "${spec}" is not "provider:model" with provider ${PROVIDERS.join(', ')} (e.g. openai:gpt-4o-mini)`,
    );
    return [];
  }
  const entryId = id?.trim() ?? model;
  if (!MODEL_ID.test(entryId)) {
    problems.push(`${setting}: the model id "${entryId}" must be 1–100 letters, digits or . _ : / -`);
    return [];
  }
  return [{ id: entryId, label: entryId, provider, model }];
}

function fromFile(path: string, env: Record<string, string | undefined>, problems: string[]): ModelEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    problems.push(`LLM_MODELS_FILE cannot be read as JSON: ${why}`);
    return [];
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { models?: unknown } | null)?.models;
  if (!Array.isArray(list)) {
    problems.push('LLM_MODELS_FILE must hold a JSON array of {id, model, label?, base_url?, api_key_env?, principals?}');
    return [];
  }
  return (list as FileEntry[]).flatMap((item, index) => {
    const where = `LLM_MODELS_FILE entry ${index}`;
    if (typeof item?.model !== 'string') {
      problems.push(`${where}: "model" must be "provider:model"`);
      return [];
    }
    const [entry] = fromSpec(where, item.model, typeof item.id === 'string' ? item.id : undefined, problems);
    if (!entry) {
      return [];
    }
    if (typeof item.label === 'string' && item.label.trim() !== '') {
      entry.label = item.label.trim().slice(0, 100);
    }
    if (item.base_url !== undefined) {
      if (typeof item.base_url !== 'string' || !/^https?:\/\/[^\s]+$/.test(item.base_url)) {
        problems.push(`${where}: "base_url" must be an http(s) URL`);
      } else {
        entry.baseUrl = item.base_url;
      }
    }
    if (item.api_key_env !== undefined) {
      const variable = typeof item.api_key_env === 'string' ? item.api_key_env : '';
      if (!env[variable]) {
        problems.push(`${where}: "api_key_env" names ${JSON.stringify(variable)}, which is not set`);
      } else {
        entry.apiKey = env[variable];
      }
    }
    if (item.principals !== undefined) {
      if (!Array.isArray(item.principals) || item.principals.some((p) => typeof p !== 'string' || p === '')) {
        problems.push(`${where}: "principals" must be a list of principal ids`);
      } else {
        entry.principals = item.principals as string[];
      }
    }
    return [entry];
  });
}

/** The provider's settings serve the entries that name no endpoint or key of their own. */
function withProviderSettings(entry: ModelEntry, settings: ModelSettings, setting: string, problems: string[]): void {
  switch (entry.provider) {
    case 'openai':
      entry.baseUrl ??= settings.OPENAI_BASE_URL;
      entry.apiKey ??= settings.OPENAI_API_KEY;
      if (!entry.apiKey && !entry.baseUrl) {
        problems.push(
          `${setting}: the model "${entry.id}" (openai) needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)`,
        );
      }
      return;
    case 'anthropic':
      entry.baseUrl ??= settings.ANTHROPIC_BASE_URL;
      entry.apiKey ??= settings.ANTHROPIC_API_KEY;
      if (!entry.apiKey) {
        problems.push(`${setting}: the model "${entry.id}" (anthropic) needs ANTHROPIC_API_KEY`);
      }
      return;
    case 'ollama':
      entry.baseUrl ??= settings.OLLAMA_BASE_URL;
      return;
  }
}

/** Where each provider is reached when no setting names an endpoint. */
export const PUBLIC_ENDPOINTS: Record<LlmProvider, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  ollama: 'http://127.0.0.1:11434',
};

/** The endpoint an entry's client and probe reach. */
export const endpointOf = (entry: Pick<ModelEntry, 'provider' | 'baseUrl'>): string =>
  (entry.baseUrl ?? PUBLIC_ENDPOINTS[entry.provider]).replace(/\/+$/, '');

/** An endpoint as logs, errors and health may show it: credentials in the URL masked. */
export const shownEndpoint = (url: string): string => url.replace(/\/\/[^/@]*@/, '//***@');

/** Whether a principal may use the model. */
export const mayUse = (entry: Pick<ModelEntry, 'principals'>, principal: string): boolean =>
  !entry.principals || entry.principals.includes(principal);
