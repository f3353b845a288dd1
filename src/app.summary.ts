import type { INestApplication } from '@nestjs/common';

import type { Tracing } from './app.tracing';
import { allowedHosts } from './common/host-allow-list';
import type { AppConfig } from './config/app-config';
import { authConfigured } from './config/validate-environment';
import { MCP_CONFIG } from './mcp/config/mcp-config';
import type { LoadedMcpConfig } from './mcp/config/mcp-config';
import { ModelRegistry } from './models/model-registry';
import { RedisService } from './redis/redis.service';

/** What a newcomer needs after start-up, one fact per line: where to go, and what to set next. */
export function startupSummary(app: INestApplication, config: AppConfig, tracing?: Tracing): string[] {
  const models = app.get(ModelRegistry);
  const mcp = app.get<LoadedMcpConfig>(MCP_CONFIG);
  const servers = mcp.servers.map((server) => `${server.name}${server.disabled ? ' (disabled)' : ''}`).join(', ');
  return [
    `PMCChat at ${config.PUBLIC_URL}/pmc/ · API docs /api/docs · metrics /metrics · probes /health/live, /health/ready`,
    models.configured
      ? `Models: ${models.models.map((m) => `${m.id} (${m.provider}:${m.model} at ${m.endpoint})`).join(', ')}; default ${models.defaultId}`
      : 'LLM: none, so turns are refused: set LLM_MODEL (e.g. openai:gpt-4o-mini) or LLM_MODELS with OPENAI_API_KEY, or OPENAI_BASE_URL for an OpenAI-compatible server',
    `MCP servers (${mcp.source === 'default' ? 'bundled default; MCP_CONFIG names your own file' : mcp.source}): ${servers || 'none'}`,
    config.SESSION_STORE === 'redis'
      ? `Store: Redis (${app.get(RedisService).address}), node ${config.NODE_ID}`
      : 'Store: memory (sessions end with this process; REDIS_URL keeps them and lets several nodes share them)',
    `Auth: ${authMode(config)}`,
    `Quota: ${quotaOf(config)}`,
    `Traces: ${tracing ? `to ${tracing.target}` : 'off (OTEL_EXPORTER_OTLP_ENDPOINT sends them to a collector)'}`,
    `Hosts: ${allowedHosts(config)?.describe() ?? 'any (authentication on, ALLOWED_HOSTS unset)'}`,
  ];
}

function quotaOf(config: AppConfig): string {
  const overrides = config.QUOTA_OVERRIDES ? ', with QUOTA_OVERRIDES' : '';
  return config.QUOTA_TOKENS_PER_DAY > 0
    ? `${config.QUOTA_TOKENS_PER_DAY} tokens per principal per UTC day${overrides}`
    : `none (QUOTA_TOKENS_PER_DAY sets one)${overrides}`;
}

function authMode(config: AppConfig): string {
  if (!authConfigured(config)) {
    return config.AUTH_DISABLED
      ? `none (AUTH_DISABLED=true): whoever reaches ${config.HOST}:${config.PORT} is the one user`
      : `none: single user, on ${config.HOST} only (AUTH_API_KEYS or AUTH_JWT_SECRET / AUTH_JWKS_URL turn it on)`;
  }
  const modes = [
    ...(config.AUTH_API_KEYS || config.AUTH_API_KEYS_FILE ? ['API keys'] : []),
    ...(config.AUTH_JWT_SECRET ? ['JWT (HS256)'] : []),
    ...(config.AUTH_JWKS_URL ? [`JWT from ${config.AUTH_JWKS_URL}`] : []),
  ];
  return `${modes.join(' and ')}; sessions belong to their creator`;
}
