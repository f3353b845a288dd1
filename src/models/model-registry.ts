import { AppException } from '../common/errors';
import type { AppConfig } from '../config/app-config';
import { endpointOf, mayUse, shownEndpoint } from '../config/llm-models';
import type { LlmProvider, ModelEntry } from '../config/llm-models';
import { ErrorCode } from '../contract/error-code';
import { clientsOf, probeOf } from './model-clients';
import type { EndpointProbe, ModelClients } from './model-clients';

/** A configured model, ready to answer. */
export interface ChatModel extends ModelClients {
  id: string;
  label: string;
  provider: LlmProvider;
  /** The provider's name for the model. */
  model: string;
  /** Where its requests go, as error messages and administrators see it (credentials masked). */
  endpoint: string;
  principals?: readonly string[];
  /** How health asks its endpoint whether it answers (credentials inside: never shown). */
  probe: EndpointProbe;
}

/** A model as a caller may see it: no key, no URL. */
export interface ModelView {
  id: string;
  label: string;
  provider: LlmProvider;
  model: string;
  default: boolean;
}

/**
 * The models of the configuration (LLM_MODEL, LLM_MODELS or LLM_MODELS_FILE), built once at start-up
 * and asked by id: by the agent for each turn, by sampling, by the model routes and by health.
 */
export class ModelRegistry {
  private readonly byId: ReadonlyMap<string, ChatModel>;

  constructor(
    readonly models: readonly ChatModel[],
    readonly defaultId?: string,
  ) {
    this.byId = new Map(models.map((model) => [model.id, model]));
  }

  get configured(): boolean {
    return this.models.length > 0;
  }

  /** The configured default (LLM_DEFAULT_MODEL, else the first). */
  get defaultModel(): ChatModel | undefined {
    return this.defaultId === undefined ? undefined : this.byId.get(this.defaultId);
  }

  get(id: string): ChatModel | undefined {
    return this.byId.get(id);
  }

  /** The models a principal may use, and the one its new chats get. */
  forPrincipal(principal: string): { models: ChatModel[]; defaultId?: string } {
    const models = this.models.filter((model) => mayUse(model, principal));
    const configured = this.defaultModel;
    const defaultId = configured && mayUse(configured, principal) ? configured.id : models[0]?.id;
    return { models, defaultId };
  }

  views(principal: string): { models: ModelView[]; default: string | null } {
    const { models, defaultId } = this.forPrincipal(principal);
    return {
      models: models.map(({ id, label, provider, model }) => ({
        id,
        label,
        provider,
        model,
        default: id === defaultId,
      })),
      default: defaultId ?? null,
    };
  }

  /**
   * The model a principal's chat gets: the one asked for, else its default. UNKNOWN_MODEL when the id
   * is not configured or not the principal's to use (alike, so the list of others' models stays private).
   */
  choose(principal: string, id?: string): ChatModel | undefined {
    if (id === undefined) {
      const { defaultId } = this.forPrincipal(principal);
      return defaultId === undefined ? undefined : this.byId.get(defaultId);
    }
    const model = this.byId.get(id);
    if (!model || !mayUse(model, principal)) {
      throw unknownModel(id);
    }
    return model;
  }

  /** Each distinct endpoint once, with the models it serves (what /health/ready asks). */
  endpoints(): Array<{ probe: EndpointProbe; models: string[] }> {
    const byUrl = new Map<string, { probe: EndpointProbe; models: string[] }>();
    for (const model of this.models) {
      const probe = model.probe;
      const key = `${probe.url}\n${JSON.stringify(probe.headers)}`;
      const known = byUrl.get(key) ?? { probe, models: [] };
      known.models.push(model.id);
      byUrl.set(key, known);
    }
    return [...byUrl.values()];
  }
}

export const unknownModel = (id: string): AppException =>
  new AppException(ErrorCode.UNKNOWN_MODEL, `There is no model "${id}" you may use: GET /api/v3/models lists yours`);

/** Builds the registry from the validated configuration (the catalog start-up resolved). */
export function createModelRegistry(config: AppConfig): ModelRegistry {
  const options = { maxRetries: config.LLM_MAX_RETRIES, lean: config.LLM_CLIENT === 'lean' };
  const models = config.modelCatalog.entries.map(
    (entry: ModelEntry): ChatModel => ({
      id: entry.id,
      label: entry.label,
      provider: entry.provider,
      model: entry.model,
      endpoint: shownEndpoint(endpointOf(entry)),
      principals: entry.principals,
      probe: probeOf(entry),
      ...clientsOf(entry, options),
    }),
  );
  return new ModelRegistry(models, config.modelCatalog.defaultId);
}
