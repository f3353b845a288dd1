import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength } from 'class-validator';

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

const toList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : value;

/** Every setting the server reads from the environment, with its rules and default. */
export class EnvironmentVariables {
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8080;

  /** Loopback by default; another address needs authentication configured, or AUTH_DISABLED=true. */
  @IsString()
  HOST = '127.0.0.1';

  /**
   * Express "trust proxy": behind a reverse proxy, set it (e.g. 1, loopback) so rate limits key on the
   * client's address from X-Forwarded-For instead of the proxy's.
   */
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /** json: one JSON object per line (pino); pretty: readable lines; auto: pretty in a terminal, JSON otherwise. */
  @IsIn(['auto', 'json', 'pretty'])
  LOG_FORMAT: 'auto' | 'json' | 'pretty' = 'auto';

  /** Logs message text, tool arguments and results; keys, tokens and Authorization headers stay redacted. */
  @Transform(toBoolean)
  @IsBoolean()
  LOG_CONTENT = false;

  /** When set, GET /metrics needs it as a bearer token. */
  @IsOptional()
  @IsString()
  @MinLength(16)
  METRICS_TOKEN?: string;

  /** How often /health/ready asks the LLM endpoint whether it answers (a model listing, never a completion). */
  @IsInt()
  @Min(100)
  LLM_HEALTH_INTERVAL_MS = 30_000;

  /** On SIGTERM/SIGINT: how long running turns may take to finish before they are cancelled. */
  @IsInt()
  @Min(0)
  DRAIN_TIMEOUT_MS = 30_000;

  /** Claude Desktop-style JSON file with `mcpServers`; the bundled default is used when the file is absent. */
  @IsString()
  MCP_CONFIG = './mcp.config.json';

  /** Folder the default filesystem server is rooted at. */
  @IsString()
  WORKSPACE_DIR = './workspace';

  /** LangChain "provider:model", e.g. openai:gpt-4o-mini; unset means the server runs without an LLM. */
  @IsOptional()
  @Matches(/^(openai|anthropic|ollama):\S+$/, {
    message: 'LLM_MODEL must be "provider:model" with provider openai, anthropic or ollama (e.g. openai:gpt-4o-mini)',
  })
  LLM_MODEL?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  OPENAI_BASE_URL?: string;

  @IsOptional()
  @IsString()
  OPENAI_API_KEY?: string;

  @IsOptional()
  @IsString()
  ANTHROPIC_API_KEY?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  OLLAMA_BASE_URL?: string;

  @IsOptional()
  @IsString()
  SYSTEM_PROMPT?: string;

  /** Longest wait for the model's first or next streamed chunk before the turn fails. */
  @IsInt()
  @Min(100)
  LLM_TIMEOUT_MS = 60_000;

  /** Retries of a failed LLM request before any token streamed (5xx, refused connection). */
  @IsInt()
  @Min(0)
  @Max(6)
  LLM_MAX_RETRIES = 1;

  @IsInt()
  @Min(1)
  @Max(100)
  REACT_MAX_ITERATIONS = 5;

  /** Token budget of the history sent to the model (approximate count, no tokenizer download). */
  @IsInt()
  @Min(256)
  HISTORY_TOKEN_BUDGET = 16_000;

  /** Longest an MCP server may take to start and list its tools before the turn goes on without it. */
  @IsInt()
  @Min(100)
  MCP_START_TIMEOUT_MS = 30_000;

  /**
   * The catalog lists a server again once its cache hints (2026-07-28 `ttlMs`) lapse, when next read;
   * at most this often per server, whatever the hints say.
   */
  @IsInt()
  @Min(0)
  MCP_CATALOG_REFRESH_MIN_MS = 60_000;

  /** Pre-started clients kept per session-scoped stdio server, taking spawn and initialize off a first turn. */
  @IsInt()
  @Min(0)
  @Max(32)
  MCP_PREWARM = 0;

  /**
   * A session's own MCP server processes close after this long without a turn; the session lives on,
   * and its next turn starts them again. 0 keeps them for the session's lifetime.
   */
  @IsInt()
  @Min(0)
  MCP_IDLE_TIMEOUT_MS = 300_000;

  /** Cap on live MCP server processes (sessions, shared servers and the pre-warm pool together). */
  @IsInt()
  @Min(1)
  MCP_MAX_PROCESSES = 200;

  /** Restarts of a crashed or unresponsive server before it is marked down. */
  @IsInt()
  @Min(0)
  MCP_MAX_RESTARTS = 5;

  /** First restart delay; each further attempt doubles it (capped at 30 s). */
  @IsInt()
  @Min(0)
  MCP_RESTART_BASE_MS = 500;

  /** How long a server has to answer the heartbeat ping before it counts as unresponsive. */
  @IsInt()
  @Min(100)
  MCP_PING_TIMEOUT_MS = 10_000;

  /** Sampling requests MCP servers may make in one turn; past it they are refused. */
  @IsInt()
  @Min(0)
  MCP_SAMPLING_MAX_PER_TURN = 5;

  /** How long a server's elicitation waits for the user before it is declined. */
  @IsInt()
  @Min(100)
  MCP_ELICITATION_TIMEOUT_MS = 300_000;

  /** Longest tool result the model observes (and history keeps); the rest is cut, and the model told so. */
  @IsInt()
  @Min(100)
  TOOL_RESULT_MAX_CHARS = 50_000;

  /**
   * Largest image of a tool result the model is shown (as an image part); a larger one, or any with
   * 0, reaches it as a line of text saying so. People see every image, through its artifact.
   */
  @IsInt()
  @Min(0)
  TOOL_IMAGE_MAX_BYTES = 5_242_880;

  /** How long an artifact (an image, audio or file of a tool result) can be fetched. */
  @IsInt()
  @Min(1000)
  ARTIFACT_TTL_MS = 3_600_000;

  /** Largest artifact kept; a larger one is named in the tool_call event, not kept. */
  @IsInt()
  @Min(1024)
  ARTIFACT_MAX_BYTES = 10_485_760;

  /** Memory store: all artifacts of this node together; the oldest go first. */
  @IsInt()
  @Min(1024)
  ARTIFACT_MEMORY_MAX_BYTES = 268_435_456;

  @IsInt()
  @Min(1)
  SESSION_TTL_MS = 3_600_000;

  @IsInt()
  @Min(10)
  SESSION_SWEEP_MS = 300_000;

  @IsInt()
  @Min(10)
  HEARTBEAT_MS = 30_000;

  @IsInt()
  @Min(0)
  SSE_MAX_CONNECTIONS = 50;

  /** Sessions one socket.io connection may follow at once; one more join_chat or chat_message is refused. */
  @IsInt()
  @Min(1)
  SOCKET_MAX_SESSIONS = 16;

  /**
   * Messages per minute per client address, shared by all of its connections and interfaces
   * (socket.io, SSE send, POST /chat); 0 turns the limit off.
   */
  @IsInt()
  @Min(0)
  RATE_LIMIT_PER_MINUTE = 30;

  /** Live sessions on this server; one more is refused with TOO_MANY_SESSIONS. */
  @IsInt()
  @Min(1)
  MAX_SESSIONS = 10_000;

  /**
   * Bytes a connection (socket.io or SSE) may fall behind by, sent but not yet written to its socket;
   * past it the connection is dropped, and its client resumes from its last event id.
   */
  @IsInt()
  @Min(64 * 1024)
  STREAM_MAX_BUFFER_BYTES = 4 * 1024 * 1024;

  /** Deepest nesting of arrays and objects accepted in a request body or socket.io payload. */
  @IsInt()
  @Min(2)
  @Max(256)
  JSON_MAX_DEPTH = 32;

  /** Most elements in one array, or keys in one object, of a request body or socket.io payload. */
  @IsInt()
  @Min(10)
  JSON_MAX_ENTRIES = 1000;

  /** Messages that may wait behind a running turn in one session. */
  @IsInt()
  @Min(0)
  @Max(1000)
  TURN_QUEUE_LIMIT = 10;

  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MAX_MESSAGE_CHARS = 32_000;

  /** MCP resources one message may attach as context. */
  @IsInt()
  @Min(0)
  @Max(20)
  MAX_ATTACHMENTS = 4;

  /** Longest text of one attached resource the model receives (and history keeps); the rest is cut, and it is told so. */
  @IsInt()
  @Min(100)
  ATTACHMENT_MAX_CHARS = 20_000;

  /** Events kept per session for replay to (re)connecting clients. */
  @IsInt()
  @Min(10)
  EVENT_LOG_LIMIT = 1000;

  /**
   * Where sessions, history, event logs, turn queues and rate limits live. Unset: `redis` when
   * REDIS_URL is set, otherwise `memory`; an explicit value must agree with REDIS_URL.
   */
  @IsOptional()
  @IsIn(['memory', 'redis'])
  SESSION_STORE?: 'memory' | 'redis';

  /** redis://[user:password@]host:port/db, or rediss:// for TLS; every node pointed at it shares sessions. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['redis', 'rediss'] })
  REDIS_URL?: string;

  /** Put before every Redis key and channel, so several deployments can share one Redis. */
  @Matches(/^[\w:.-]{0,64}$/, { message: 'REDIS_KEY_PREFIX may hold letters, digits and _ : . - (at most 64)' })
  REDIS_KEY_PREFIX = 'mcphost:';

  /** With Redis: how long a node's hold on a session lasts unrenewed; after it, another node takes the session over. */
  @IsInt()
  @Min(1000)
  TURN_LEASE_MS = 10_000;

  /** This node's name in the cluster (logs, GET /sessions, /connections); default: host name, pid, a random suffix. */
  @IsOptional()
  @Matches(/^[\w.-]{1,64}$/, { message: 'NODE_ID may hold letters, digits and _ . - (1 to 64)' })
  NODE_ID?: string;

  @Transform(toList)
  @IsString({ each: true })
  CORS_ORIGINS: string[] = ['http://localhost:3000', 'http://localhost:5173'];

  /** Largest JSON request body and socket.io message, in bytes. */
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  MAX_BODY_BYTES = 1024 * 1024;

  /** API keys as comma-separated `principal:key` pairs (keys of 16 characters or more). */
  @IsOptional()
  @IsString()
  AUTH_API_KEYS?: string;

  /** A file of `principal:key` lines (# starts a comment), instead of AUTH_API_KEYS. */
  @IsOptional()
  @IsString()
  AUTH_API_KEYS_FILE?: string;

  /** Shared secret of HS256 JWTs (32 characters or more); the principal is the `sub` claim. */
  @IsOptional()
  @IsString()
  @MinLength(32)
  AUTH_JWT_SECRET?: string;

  /** JWKS of an OIDC provider (RS256/ES256 JWTs); needs AUTH_ISSUER and AUTH_AUDIENCE. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  AUTH_JWKS_URL?: string;

  /** Required `iss` of JWTs. */
  @IsOptional()
  @IsString()
  AUTH_ISSUER?: string;

  /** Required `aud` of JWTs. */
  @IsOptional()
  @IsString()
  AUTH_AUDIENCE?: string;

  /** `claim=value` marking a JWT's subject as an administrator (dots reach nested claims; arrays may contain it). */
  @IsOptional()
  @Matches(/^[\w.:-]+=.+$/, { message: 'AUTH_ADMIN_CLAIM must be claim=value, e.g. role=admin' })
  AUTH_ADMIN_CLAIM?: string;

  /** Principals (API key names or JWT subjects) that are administrators. */
  @Transform(toList)
  @IsString({ each: true })
  AUTH_ADMINS: string[] = [];

  /** With no authentication configured, allows a HOST other than loopback (anyone who reaches it is the one user). */
  @Transform(toBoolean)
  @IsBoolean()
  AUTH_DISABLED = false;

  /** Whether /health answers without credentials (its details are for administrators only). */
  @Transform(toBoolean)
  @IsBoolean()
  HEALTH_PUBLIC = true;

  /** With authentication: live sessions one principal may have; one more is refused with TOO_MANY_SESSIONS. */
  @IsInt()
  @Min(1)
  MAX_SESSIONS_PER_PRINCIPAL = 100;

  /** Where each principal's private folder (${USER_DIR}) is made; it is kept across their sessions. */
  @IsString()
  USERS_DIR = './users';

  /**
   * The address browsers reach this server at, for links it hands out (the OAuth callback of remote
   * MCP servers); default: http://localhost:PORT.
   */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  PUBLIC_URL?: string;

  /** Tool approval for servers whose MCP config does not set require_approval. */
  @IsIn(['never', 'always', 'writes'])
  MCP_APPROVAL_DEFAULT: 'never' | 'always' | 'writes' = 'never';

  /** How long a tool call waits for the user's approval before it is declined as expired. */
  @IsInt()
  @Min(100)
  APPROVAL_TIMEOUT_MS = 300_000;
}
