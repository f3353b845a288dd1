import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ToolIconDto {
  @ApiProperty({ description: 'An https URL or a data:image URI (at most 16 KiB), as the server gave it' })
  src!: string;
  @ApiPropertyOptional() mime_type?: string;
  @ApiPropertyOptional({ type: [String], example: ['48x48'] }) sizes?: string[];
}

export class ToolAnnotationsDto {
  @ApiPropertyOptional() title?: string;
  @ApiPropertyOptional({ description: 'The tool does not change its environment' }) readOnlyHint?: boolean;
  @ApiPropertyOptional({ description: 'It may destroy or overwrite (meaningful when not read-only)' })
  destructiveHint?: boolean;
  @ApiPropertyOptional() idempotentHint?: boolean;
  @ApiPropertyOptional({ description: 'It reaches beyond a closed world (the web, other systems)' })
  openWorldHint?: boolean;
}

export class ToolUiDto {
  @ApiPropertyOptional({ description: 'The ui:// resource holding its view (MCP Apps)' }) resource_uri?: string;
  @ApiProperty({
    enum: ['model', 'app'],
    isArray: true,
    description: 'Who may call it: the model, the views of its server, or both (the default)',
  })
  visibility!: Array<'model' | 'app'>;
}

export class ToolInfoDto {
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiPropertyOptional({ description: "The tool's title (or its annotations' title), for people" }) title?: string;
  @ApiPropertyOptional({ type: [ToolIconDto], description: 'At most 3' }) icons?: ToolIconDto[];
  @ApiPropertyOptional({ type: ToolAnnotationsDto, description: "The server's hints, as MCP names them" })
  annotations?: ToolAnnotationsDto;
  @ApiPropertyOptional({ type: ToolUiDto, description: 'Its MCP Apps view and visibility, when it declares either' })
  ui?: ToolUiDto;
}

export class PromptArgumentDto {
  @ApiProperty() name!: string;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional() required?: boolean;
}

export class PromptInfoDto {
  @ApiProperty() name!: string;
  @ApiPropertyOptional() title?: string;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional({ type: [PromptArgumentDto] }) arguments?: PromptArgumentDto[];
}

export class ResourceTemplateInfoDto {
  @ApiProperty({ example: 'demo://resource/dynamic/text/{resourceId}' }) uri_template!: string;
  @ApiProperty() name!: string;
  @ApiPropertyOptional() title?: string;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional() mime_type?: string;
}

const ENFORCERS = ['cgroup2', 'cgroup1', 'rlimit', 'none'] as const;
type Enforcer = (typeof ENFORCERS)[number];

export class SandboxLimitsDto {
  @ApiProperty({ description: 'All its processes together (MCP_SANDBOX_MEMORY_MB, or sandbox.memory_mb)' })
  memory_mb!: number;
  @ApiProperty({ description: 'Processes and threads (MCP_SANDBOX_MAX_PROCESSES, or sandbox.max_processes)' })
  max_processes!: number;
  @ApiProperty({ description: 'Largest file it may write (MCP_SANDBOX_FILE_SIZE_MB, or sandbox.file_size_mb)' })
  file_size_mb!: number;
  @ApiProperty({ description: 'Its private /tmp (MCP_SANDBOX_TMP_MB)' }) tmp_mb!: number;
}

export class SandboxEnforcersDto {
  @ApiProperty({ enum: ENFORCERS, description: 'A cgroup of either version, else RLIMIT_DATA per process' })
  memory!: Enforcer;
  @ApiProperty({ enum: ENFORCERS, description: 'A cgroup, else RLIMIT_NPROC (none when the app runs as root)' })
  processes!: Enforcer;
  @ApiProperty({ enum: ENFORCERS, description: 'RLIMIT_FSIZE, always' }) file_size!: Enforcer;
}

export class SandboxStatusDto {
  @ApiProperty({ description: 'Whether its processes run in a bubblewrap sandbox (MCP_SANDBOX=on)' }) enabled!: boolean;
  @ApiPropertyOptional({ enum: ['none'], description: 'Only its own loopback' }) network?: 'none';
  @ApiPropertyOptional({ type: SandboxLimitsDto }) limits?: SandboxLimitsDto;
  @ApiPropertyOptional({ type: SandboxEnforcersDto, description: 'What enforces each limit on this host' })
  enforced_by?: SandboxEnforcersDto;
}

const STATES = ['disabled', 'idle', 'starting', 'ready', 'restarting', 'error', 'down', 'closed'] as const;

export class ServerStatusDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['stdio', 'http', 'sse'] }) transport!: 'stdio' | 'http' | 'sse';
  @ApiProperty({ enum: ['session', 'shared'] }) scope!: 'session' | 'shared';
  @ApiProperty({
    enum: ['auto', '2025-11-25', '2026-07-28'],
    description: 'The `protocol` setting: auto discovers the revision (2026-07-28 when offered) and falls back',
  })
  protocol!: 'auto' | '2025-11-25' | '2026-07-28';
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The MCP revision the server speaks, once a client has connected (e.g. 2025-11-25, 2026-07-28)',
    example: '2026-07-28',
  })
  protocol_version!: string | null;
  @ApiProperty({
    enum: STATES,
    description:
      'idle: no session started it yet; ready: its last start worked; restarting: it crashed or stopped answering pings; error: its last start failed; down: restarts exhausted (MCP_MAX_RESTARTS)',
  })
  status!: (typeof STATES)[number];
  @ApiProperty({ description: 'Live connections across sessions' }) connections!: number;
  @ApiProperty({ description: 'Pre-started clients waiting for new sessions (MCP_PREWARM)' }) prewarmed!: number;
  @ApiProperty({ type: [ToolInfoDto], description: 'Tools the model sees, after allowed_tools / blocked_tools' })
  tools!: ToolInfoDto[];
  @ApiProperty({ type: [PromptInfoDto], description: "The server's prompts, as listed at start-up" })
  prompts!: PromptInfoDto[];
  @ApiProperty({
    type: [ResourceTemplateInfoDto],
    description: "The server's resource templates, as listed at start-up",
  })
  resource_templates!: ResourceTemplateInfoDto[];
  @ApiProperty({
    enum: ['none', 'pending', 'listed', 'failed'],
    description:
      'The listing made at start-up, before any session: pending while it runs, failed with last_error saying why; none for a disabled server',
  })
  catalog!: 'none' | 'pending' | 'listed' | 'failed';
  @ApiPropertyOptional() last_error?: string;
  @ApiProperty({ type: SandboxStatusDto, description: '{"enabled": false} for a remote or unconfined server' })
  sandbox!: SandboxStatusDto;
}

export class ProcessCountDto {
  @ApiProperty({ description: 'Live MCP server processes' }) live!: number;
  @ApiProperty({ description: 'MCP_MAX_PROCESSES' }) max!: number;
}

export class ServerListDto {
  @ApiProperty({ type: [ServerStatusDto], description: 'In the order of the MCP config' }) servers!: ServerStatusDto[];
  @ApiProperty({ type: ProcessCountDto }) processes!: ProcessCountDto;
  @ApiProperty({ type: String, nullable: true, description: '`cursor` of the next page; null on the last' })
  next_cursor!: string | null;
}
