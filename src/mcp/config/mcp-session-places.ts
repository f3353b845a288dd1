import type { McpServerConfig, StdioServerConfig } from './mcp-config';
import type { SandboxSetting } from './mcp-sandbox-config';

/** What a session's server configs are filled in with. */
export interface SessionPlaces {
  sessionId: string;
  sessionDir: string;
  userId: string;
  userDir: string;
}

const PLACEHOLDERS: Array<[string, keyof SessionPlaces]> = [
  ['${SESSION_ID}', 'sessionId'],
  ['${SESSION_DIR}', 'sessionDir'],
  ['${USER_ID}', 'userId'],
  ['${USER_DIR}', 'userDir'],
];

/** Fills in the placeholders `places` has a value for; the others stay as they are. */
function expand(value: string, places: Partial<SessionPlaces>): string {
  let filled = value;
  for (const [placeholder, field] of PLACEHOLDERS) {
    const place = places[field];
    if (place !== undefined) {
      filled = filled.replaceAll(placeholder, place);
    }
  }
  return filled;
}

/**
 * ${SESSION_ID}, ${SESSION_DIR}, ${USER_ID} and ${USER_DIR} filled in, so stateful servers keep each
 * session's (or each principal's) state apart; given only the user's places, what all of a
 * principal's sessions have in common.
 */
export function expandForSession(config: McpServerConfig, places: Partial<SessionPlaces>): McpServerConfig {
  const fill = (value: string) => expand(value, places);
  const fillAll = (record: Record<string, string>) =>
    Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fill(value)]));
  if (config.transport !== 'stdio') {
    return { ...config, url: fill(config.url), headers: fillAll(config.headers) };
  }
  return {
    ...config,
    sandbox: sandboxPlaces(config, places),
    command: fill(config.command),
    args: config.args.map(fill),
    env: fillAll(config.env),
    cwd: config.cwd === undefined ? undefined : fill(config.cwd),
  };
}

/**
 * The folders a sandboxed session server may write: its principal's ${USER_DIR} (also its home and
 * working directory), and ${SESSION_DIR} when its entry names it (a server cannot find it otherwise,
 * and leaving it out keeps a pre-started server's config equal to a session's). A shared server
 * serves every principal, so it gets neither.
 */
function sandboxPlaces(config: StdioServerConfig, places: Partial<SessionPlaces>): SandboxSetting {
  if (!config.sandbox.enabled || config.scope === 'shared') {
    return config.sandbox;
  }
  const namesSessionDir = JSON.stringify([config.command, config.args, config.env, config.cwd]).includes(
    '${SESSION_DIR}',
  );
  return {
    ...config.sandbox,
    userDir: places.userDir ?? config.sandbox.userDir,
    sessionDir: namesSessionDir ? (places.sessionDir ?? config.sandbox.sessionDir) : undefined,
  };
}
