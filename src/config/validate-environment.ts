import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';

import { EnvironmentVariables } from './environment-variables';
import { resolveModels } from './llm-models';
import type { ModelCatalog } from './llm-models';
import { parseClusterNodes } from './redis-cluster-nodes';
import { parseQuotaOverrides } from './usage.settings';

const INTEGER_KEYS = new Set(
  Object.entries(new EnvironmentVariables())
    .filter(([, value]) => typeof value === 'number')
    .map(([key]) => key),
);

/** The settings once validated: SESSION_STORE and NODE_ID are decided by then. */
export type ResolvedEnvironment = Omit<EnvironmentVariables, 'SESSION_STORE' | 'NODE_ID' | 'PUBLIC_URL'> & {
  SESSION_STORE: 'memory' | 'redis';
  NODE_ID: string;
  PUBLIC_URL: string;
  /** The models of LLM_MODEL, LLM_MODELS or LLM_MODELS_FILE, and the default's id. */
  modelCatalog: ModelCatalog;
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
  let catalog: ModelCatalog = { entries: [] };
  if (errors.length === 0) {
    lines.push(...contradictions(config));
    const { problems, ...models } = resolveModels(config, raw);
    lines.push(...problems);
    catalog = models;
  }
  if (lines.length > 0) {
    throw new Error(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  config.SESSION_STORE ??= config.REDIS_URL || config.REDIS_CLUSTER_NODES ? 'redis' : 'memory';
  config.PUBLIC_URL ??= `http://localhost:${config.PORT}`;
  config.NODE_ID ??= `${hostname()
    .replace(/[^\w.-]/g, '-')
    .slice(0, 40)}-${process.pid}-${randomBytes(3).toString('hex')}`;
  return Object.assign(config, { modelCatalog: catalog }) as ResolvedEnvironment;
}

/** True when some authentication is configured: API keys, JWTs, or both. */
export function authConfigured(config: Pick<EnvironmentVariables, AuthSetting>): boolean {
  return Boolean(config.AUTH_API_KEYS || config.AUTH_API_KEYS_FILE || config.AUTH_JWT_SECRET || config.AUTH_JWKS_URL);
}

export type AuthSetting = 'AUTH_API_KEYS' | 'AUTH_API_KEYS_FILE' | 'AUTH_JWT_SECRET' | 'AUTH_JWKS_URL';

/** Whether HOST only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') {
    return true;
  }
  return isIP(host) === 4 ? host.startsWith('127.') : host === '::1';
}

/** A value as an error may echo it: keys hidden, and a URL's password masked. */
function shown(property: string, value: string | undefined): string {
  if (value !== undefined && /KEY|SECRET|TOKEN|PASSWORD|HEADERS/.test(property) && property !== 'REDIS_KEY_PREFIX') {
    return '(hidden)';
  }
  return JSON.stringify(value?.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@'));
}

/** Settings that are each valid but disagree with one another. */
function contradictions(config: EnvironmentVariables): string[] {
  const lines: string[] = [];
  if (config.SESSION_STORE === 'memory' && config.REDIS_URL) {
    lines.push('SESSION_STORE="memory" contradicts REDIS_URL: unset one (REDIS_URL alone selects the Redis store)');
  }
  if (config.SESSION_STORE === 'memory' && config.REDIS_CLUSTER_NODES) {
    lines.push(
      'SESSION_STORE="memory" contradicts REDIS_CLUSTER_NODES: unset one (REDIS_CLUSTER_NODES alone selects the Redis store)',
    );
  }
  if (config.REDIS_URL && config.REDIS_CLUSTER_NODES) {
    lines.push('REDIS_URL and REDIS_CLUSTER_NODES are both set: one Redis or a cluster, keep one');
  }
  if (config.REDIS_CLUSTER_NODES) {
    try {
      parseClusterNodes(config.REDIS_CLUSTER_NODES);
    } catch (error) {
      lines.push((error as Error).message);
    }
  }
  try {
    parseQuotaOverrides(config.QUOTA_OVERRIDES);
  } catch (error) {
    lines.push((error as Error).message);
  }
  if (config.SESSION_STORE === 'redis' && !config.REDIS_URL && !config.REDIS_CLUSTER_NODES) {
    lines.push(
      'SESSION_STORE="redis" needs REDIS_URL (e.g. redis://127.0.0.1:6379/0) or REDIS_CLUSTER_NODES (e.g. 127.0.0.1:7000,127.0.0.1:7001)',
    );
  }
  if (config.AUTH_API_KEYS && config.AUTH_API_KEYS_FILE) {
    lines.push('AUTH_API_KEYS and AUTH_API_KEYS_FILE are both set: keep one');
  }
  if (config.AUTH_JWT_SECRET && config.AUTH_JWKS_URL) {
    lines.push('AUTH_JWT_SECRET (HS256) and AUTH_JWKS_URL are both set: JWTs are verified one way, keep one');
  }
  if (config.AUTH_JWKS_URL && (!config.AUTH_ISSUER || !config.AUTH_AUDIENCE)) {
    lines.push('AUTH_JWKS_URL needs AUTH_ISSUER and AUTH_AUDIENCE (the provider and this API, as tokens name them)');
  }
  if (config.AUTH_ADMIN_CLAIM && !config.AUTH_JWT_SECRET && !config.AUTH_JWKS_URL) {
    lines.push(
      'AUTH_ADMIN_CLAIM needs JWTs (AUTH_JWT_SECRET or AUTH_JWKS_URL); name API-key administrators in AUTH_ADMINS',
    );
  }
  const auth = authConfigured(config);
  if (auth && config.AUTH_DISABLED) {
    lines.push('AUTH_DISABLED=true contradicts the authentication configured (AUTH_API_KEYS, AUTH_JWT_SECRET, …)');
  }
  if (!auth && !config.AUTH_DISABLED && !isLoopback(config.HOST)) {
    lines.push(
      `HOST=${JSON.stringify(config.HOST)} with no authentication would let anyone who reaches it use the server: ` +
        'configure AUTH_API_KEYS or JWTs, or set AUTH_DISABLED=true to run single-user on that address anyway',
    );
  }
  return lines;
}
