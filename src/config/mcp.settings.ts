import { IsIn, IsInt, IsString, Max, Min } from 'class-validator';

/** MCP servers: their config, processes, restarts, requests back to the host, approvals and what their results may hold. */
export class McpSettings {
  /** Claude Desktop-style JSON file with `mcpServers`; the bundled default is used when the file is absent. */
  @IsString()
  MCP_CONFIG = './mcp.config.json';

  /** Folder the default filesystem server is rooted at. */
  @IsString()
  WORKSPACE_DIR = './workspace';

  /** Where each principal's private folder (${USER_DIR}) is made; it is kept across their sessions. */
  @IsString()
  USERS_DIR = './users';

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

  /** on: every stdio server runs in a bubblewrap sandbox of its own (unless its entry says "sandbox": false). */
  @IsIn(['off', 'on'])
  MCP_SANDBOX: 'off' | 'on' = 'off';

  /** Memory of one sandbox, all its processes together (a server's `sandbox.memory_mb` overrides it). */
  @IsInt()
  @Min(16)
  MCP_SANDBOX_MEMORY_MB = 512;

  /** Processes and threads of one sandbox (node alone uses about 11; `sandbox.max_processes` overrides it). */
  @IsInt()
  @Min(8)
  MCP_SANDBOX_MAX_PROCESSES = 128;

  /** Largest file a sandboxed process may write (`sandbox.file_size_mb` overrides it). */
  @IsInt()
  @Min(1)
  MCP_SANDBOX_FILE_SIZE_MB = 100;

  /** Size of each sandbox's private /tmp (a tmpfs, counted in its memory where a cgroup enforces it). */
  @IsInt()
  @Min(1)
  MCP_SANDBOX_TMP_MB = 256;

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

  /** Tool approval for servers whose MCP config does not set require_approval. */
  @IsIn(['never', 'always', 'writes'])
  MCP_APPROVAL_DEFAULT: 'never' | 'always' | 'writes' = 'never';

  /** How long a tool call waits for the user's approval before it is declined as expired. */
  @IsInt()
  @Min(100)
  APPROVAL_TIMEOUT_MS = 300_000;

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
}
