import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';

/** The model and the agent loop. */
export class LlmSettings {
  /**
   * One model, "provider:model", e.g. openai:gpt-4o-mini (its id: gpt-4o-mini); unset, with no
   * LLM_MODELS or LLM_MODELS_FILE, the server runs without an LLM.
   */
  @IsOptional()
  @Matches(/^(openai|anthropic|ollama):\S+$/, {
    message: 'LLM_MODEL must be "provider:model" with provider openai, anthropic or ollama (e.g. openai:gpt-4o-mini)',
  })
  LLM_MODEL?: string;

  /**
   * Several models, comma-separated `id=provider:model` (the model alone: its name is the id), e.g.
   * `fast=openai:gpt-4o-mini,claude=anthropic:claude-sonnet-4-5`. Instead of LLM_MODEL.
   */
  @IsOptional()
  @IsString()
  LLM_MODELS?: string;

  /** A JSON file of models: [{id, model: "provider:model", label?, base_url?, api_key_env?, principals?}]. */
  @IsOptional()
  @IsString()
  LLM_MODELS_FILE?: string;

  /** The id of the model new chats get; default: the first configured. */
  @IsOptional()
  @IsString()
  LLM_DEFAULT_MODEL?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  OPENAI_BASE_URL?: string;

  @IsOptional()
  @IsString()
  OPENAI_API_KEY?: string;

  @IsOptional()
  @IsString()
  ANTHROPIC_API_KEY?: string;

  /** Anthropic's endpoint, without /v1 (as its SDK takes it); default https://api.anthropic.com. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  ANTHROPIC_BASE_URL?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  OLLAMA_BASE_URL?: string;

  @IsOptional()
  @IsString()
  SYSTEM_PROMPT?: string;

  /**
   * How OpenAI-compatible endpoints are called: `lean` streams through the official openai SDK and
   * builds one message per reply; `langchain` uses LangChain's ChatOpenAI (its callbacks, its tracing).
   * Anthropic and Ollama always go through LangChain.
   */
  @IsIn(['lean', 'langchain'])
  LLM_CLIENT: 'lean' | 'langchain' = 'lean';

  /** Longest wait for the model's first or next streamed chunk before the turn fails. */
  @IsInt()
  @Min(100)
  LLM_TIMEOUT_MS = 60_000;

  /** Retries of a failed LLM request before any token streamed (5xx, refused connection). */
  @IsInt()
  @Min(0)
  @Max(6)
  LLM_MAX_RETRIES = 1;

  /** How often /health/ready asks the LLM endpoint whether it answers (a model listing, never a completion). */
  @IsInt()
  @Min(100)
  LLM_HEALTH_INTERVAL_MS = 30_000;

  @IsInt()
  @Min(1)
  @Max(100)
  REACT_MAX_ITERATIONS = 5;

  /** Token budget of the history sent to the model (approximate count, no tokenizer download). */
  @IsInt()
  @Min(256)
  HISTORY_TOKEN_BUDGET = 16_000;

  /**
   * Most earlier messages a turn reads and the model gets (the newest, cut at a turn boundary); the
   * stored history stays whole. A turn's cost does not grow with the length of the conversation.
   */
  @IsInt()
  @Min(2)
  @Max(10_000)
  MAX_HISTORY_MESSAGES = 100;
}
