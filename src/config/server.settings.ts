import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min, MinLength, Validate } from 'class-validator';

import { HostPatterns } from './host-patterns';
import { toBoolean, toList } from './transforms';

/** The HTTP server: where it listens, who may call it from a browser, how it stops, what it logs and exposes. */
export class ServerSettings {
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

  /**
   * The address browsers reach this server at, for links it hands out (the OAuth callback of remote
   * MCP servers); default: http://localhost:PORT.
   */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  PUBLIC_URL?: string;

  @Transform(toList)
  @IsString({ each: true })
  CORS_ORIGINS: string[] = ['http://localhost:3000', 'http://localhost:5173'];

  /**
   * Host names served besides localhost, *.localhost, IP addresses and PUBLIC_URL's host: a name, or
   * `*.example.com` for every name under that domain. Other Hosts are refused (DNS rebinding); with
   * authentication on, only once this is set (a proxy in front decides otherwise).
   */
  @Transform(toList)
  @IsString({ each: true })
  @Validate(HostPatterns)
  ALLOWED_HOSTS: string[] = [];

  /** Largest JSON request body and socket.io message, in bytes. */
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  MAX_BODY_BYTES = 1024 * 1024;

  /** On SIGTERM/SIGINT: how long running turns may take to finish before they are cancelled. */
  @IsInt()
  @Min(0)
  DRAIN_TIMEOUT_MS = 30_000;

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

  /** Whether /health answers without credentials (its details are for administrators only). */
  @Transform(toBoolean)
  @IsBoolean()
  HEALTH_PUBLIC = true;
}
