import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, validateSync } from 'class-validator';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

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

  @IsString()
  HOST = '0.0.0.0';

  /**
   * Express "trust proxy": behind a reverse proxy, set it (e.g. 1, loopback) so rate limits key on the
   * client's address from X-Forwarded-For instead of the proxy's.
   */
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

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

  /** Pre-started clients kept per session-scoped stdio server, taking spawn and initialize off a first turn. */
  @IsInt()
  @Min(0)
  @Max(32)
  MCP_PREWARM = 0;

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
}

const INTEGER_KEYS = new Set(
  Object.entries(new EnvironmentVariables())
    .filter(([, value]) => typeof value === 'number')
    .map(([key]) => key),
);

/** The settings once validated: SESSION_STORE and NODE_ID are decided by then. */
export type ResolvedEnvironment = Omit<EnvironmentVariables, 'SESSION_STORE' | 'NODE_ID'> & {
  SESSION_STORE: 'memory' | 'redis';
  NODE_ID: string;
};

/** Validates raw environment strings; throws one error naming every bad variable. */
export function validateEnvironment(raw: Record<string, string | undefined>): ResolvedEnvironment {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || value === '') {
      continue;
    }
    plain[key] = INTEGER_KEYS.has(key) && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  }
  const config = plainToInstance(EnvironmentVariables, plain, { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false, forbidUnknownValues: false });
  const lines = errors.map((error) => {
    const given = shown(error.property, raw[error.property]);
    return `${error.property}=${given}: ${Object.values(error.constraints ?? {}).join('; ')}`;
  });
  if (errors.length === 0) {
    lines.push(...contradictions(config));
  }
  if (lines.length > 0) {
    throw new Error(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  config.SESSION_STORE ??= config.REDIS_URL ? 'redis' : 'memory';
  config.NODE_ID ??= `${hostname()
    .replace(/[^\w.-]/g, '-')
    .slice(0, 40)}-${process.pid}-${randomBytes(3).toString('hex')}`;
  return config as ResolvedEnvironment;
}

/** A value as an error may echo it: keys hidden, and a URL's password masked. */
function shown(property: string, value: string | undefined): string {
  if (value !== undefined && /KEY|SECRET|TOKEN|PASSWORD/.test(property) && property !== 'REDIS_KEY_PREFIX') {
    return '(hidden)';
  }
  return JSON.stringify(value?.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@'));
}

/** Settings that are each valid but disagree with one another. */
function contradictions(config: EnvironmentVariables): string[] {
  if (config.SESSION_STORE === 'memory' && config.REDIS_URL) {
    return ['SESSION_STORE="memory" contradicts REDIS_URL: unset one (REDIS_URL alone selects the Redis store)'];
  }
  if (config.SESSION_STORE === 'redis' && !config.REDIS_URL) {
    return ['SESSION_STORE="redis" needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)'];
  }
  return [];
}
