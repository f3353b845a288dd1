import {
  IsString, IsIn, IsInt, IsOptional, IsUrl, Matches, Max, Min } from 'class-validator';

/** Sessions and their bounds: lifetimes, limits per connection and client, queues, streams, and where they are stored. */
export class SessionSettings {
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

  /**
   * With authentication: connections (socket.io and SSE streams together) one principal may hold open
   * on this node; one more is refused with TOO_MANY_STREAMS.
   */
  @IsInt()
  @Min(1)
  MAX_CONNECTIONS_PER_PRINCIPAL = 20;

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

  /** With authentication: live sessions one principal may have; one more is refused with TOO_MANY_SESSIONS. */
  @IsInt()
  @Min(1)
  MAX_SESSIONS_PER_PRINCIPAL = 100;

  /**
   * Bytes a connection (socket.io or SSE) may fall behind by, sent but not yet written to its socket;
   * past it the connection is dropped, and its client resumes from its last event id.
   */
  @IsInt()
  @Min(64 * 1024)
  STREAM_MAX_BUFFER_BYTES = 4 * 1024 * 1024;

  /**
   * How long a connection (socket.io or SSE) may hold unsent bytes in the server without any of them
   * being written: then it is dropped (STREAM_BUFFER_EXCEEDED), also on a quiet session.
   */
  @IsInt()
  @Min(1000)
  STREAM_STALL_MS = 60_000;

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
   * REDIS_URL or REDIS_CLUSTER_NODES is set, otherwise `memory`; an explicit value must agree.
   */
  @IsOptional()
  @IsIn(['memory', 'redis'])
  SESSION_STORE?: 'memory' | 'redis';

  /** redis://[user:password@]host:port/db, or rediss:// for TLS; every node pointed at it shares sessions. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['redis', 'rediss'] })
  REDIS_URL?: string;

  /**
   * A Redis Cluster instead of one Redis: comma-separated seed `host:port` entries (an entry may be a
   * redis:// or rediss:// URL, whose credentials and TLS apply to every node). Alone it selects the
   * Redis store; not with REDIS_URL.
   */
  @IsOptional()
  @IsString()
  REDIS_CLUSTER_NODES?: string;

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
}
