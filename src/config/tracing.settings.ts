import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Min } from 'class-validator';

import { toBoolean } from './transforms';

const URL_RULES = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * OpenTelemetry traces, by the standard variables (traces only: no metrics or logs are exported).
 * On when an OTLP endpoint is set, unless OTEL_SDK_DISABLED=true.
 */
export class TracingSettings {
  /** The collector's base URL; traces go to `{endpoint}/v1/traces`. */
  @IsOptional()
  @IsUrl(URL_RULES)
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** The traces URL itself, used as given (wins over OTEL_EXPORTER_OTLP_ENDPOINT). */
  @IsOptional()
  @IsUrl(URL_RULES)
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;

  @IsIn(['http/protobuf', 'http/json'])
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' | 'http/json' = 'http/protobuf';

  /** Headers sent to the collector, `key=value,…` (e.g. its API key): never logged. */
  @IsOptional()
  @IsString()
  OTEL_EXPORTER_OTLP_HEADERS?: string;

  @IsString()
  OTEL_SERVICE_NAME = 'mcp-host-server';

  @Transform(toBoolean)
  @IsBoolean()
  OTEL_SDK_DISABLED = false;

  /** Longest wait before a batch of spans is exported. */
  @IsInt()
  @Min(0)
  OTEL_BSP_SCHEDULE_DELAY = 5000;

  /** Spans waiting for export at most; more are dropped (a dead collector never holds a turn). */
  @IsInt()
  @Min(1)
  OTEL_BSP_MAX_QUEUE_SIZE = 2048;

  @IsInt()
  @Min(1)
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE = 512;

  /** Longest an export may take, and the flush at shutdown. */
  @IsInt()
  @Min(1)
  OTEL_BSP_EXPORT_TIMEOUT = 30_000;
}

/** Where traces go, when tracing is on: the traces URL as the exporter is given it. */
export function tracesUrl(settings: TracingSettings): string | undefined {
  if (settings.OTEL_SDK_DISABLED) {
    return undefined;
  }
  if (settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    return settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  }
  const base = settings.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  return base === undefined ? undefined : `${base}/v1/traces`;
}
