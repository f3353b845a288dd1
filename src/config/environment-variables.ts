import { IntersectionType } from '@nestjs/mapped-types';

import { AuthSettings } from './auth.settings';
import { LlmSettings } from './llm.settings';
import { McpSettings } from './mcp.settings';
import { ServerSettings } from './server.settings';
import { SessionSettings } from './sessions.settings';
import { TracingSettings } from './tracing.settings';
import { UsageSettings } from './usage.settings';

/**
 * Every setting the server reads from the environment, with its rules and default: one property per
 * variable, named exactly as it, declared in the topic's file (docs/configuration.md documents each).
 */
export class EnvironmentVariables extends IntersectionType(
  ServerSettings,
  AuthSettings,
  LlmSettings,
  McpSettings,
  SessionSettings,
  UsageSettings,
  TracingSettings,
) {}
