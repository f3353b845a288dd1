import { AppException } from '../common/errors';
import { mayUse } from '../config/llm-models';
import { ErrorCode } from '../contract/error-code';
import type { ChatModel, ModelRegistry } from '../models/model-registry';

/**
 * The model that answers a session's turn: its own, else the owner's default. LLM_NOT_CONFIGURED,
 * saying what to set, when there is none; UNKNOWN_MODEL when its model left the configuration (or
 * its owner's allow-list) since it was chosen.
 */
export function modelOfTurn(models: ModelRegistry, owner: string, id: string | undefined): ChatModel {
  if (!models.configured) {
    throw new AppException(
      ErrorCode.LLM_NOT_CONFIGURED,
      'No LLM is configured: set LLM_MODEL (e.g. openai:gpt-4o-mini) or LLM_MODELS, with OPENAI_API_KEY, or OPENAI_BASE_URL for an OpenAI-compatible server',
    );
  }
  const model = id === undefined ? models.choose(owner) : models.get(id);
  if (!model || !mayUse(model, owner)) {
    throw new AppException(
      ErrorCode.UNKNOWN_MODEL,
      `This chat's model "${id ?? '(default)'}" is no longer configured for you: choose another (PATCH /api/v3/sessions/:id {model}; GET /api/v3/models lists yours)`,
    );
  }
  return model;
}
