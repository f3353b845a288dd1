import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { envDetector, hostDetector } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

import { tracesUrl } from './config/tracing.settings';
import type { TracingSettings } from './config/tracing.settings';

/** The running trace pipeline: flushed and stopped after the app's drain. */
export interface Tracing {
  /** Where spans go (no credentials: the headers are never shown). */
  target: string;
  shutdown(): Promise<void>;
}

// The last flush at shutdown waits at most this long: a dead collector never holds the exit.
const SHUTDOWN_LIMIT_MS = 5000;

/** `key=value,…` of OTEL_EXPORTER_OTLP_HEADERS (values may be percent-encoded, as the spec allows). */
function headersOf(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (value ?? '').split(',')) {
    const equals = pair.indexOf('=');
    if (equals > 0) {
      headers[pair.slice(0, equals).trim()] = decodeURIComponent(pair.slice(equals + 1).trim());
    }
  }
  return headers;
}

/**
 * Starts OpenTelemetry traces when an OTLP endpoint is set (and OTEL_SDK_DISABLED is not): spans go
 * to the collector in batches (OTEL_BSP_*), as OTLP over HTTP, protobuf or JSON. Traces only: no
 * metrics or logs, no instrumentation of libraries, no cloud resource detectors (they call metadata
 * addresses). Started by main.ts itself, before the app: no --import flag.
 */
export function startTracing(settings: TracingSettings): Tracing | undefined {
  const url = tracesUrl(settings);
  if (url === undefined) {
    return undefined;
  }
  const exporterOptions = {
    url,
    headers: headersOf(settings.OTEL_EXPORTER_OTLP_HEADERS),
    timeoutMillis: settings.OTEL_BSP_EXPORT_TIMEOUT,
  };
  const exporter =
    settings.OTEL_EXPORTER_OTLP_PROTOCOL === 'http/json'
      ? new JsonTraceExporter(exporterOptions)
      : new ProtobufTraceExporter(exporterOptions);
  const sdk = new NodeSDK({
    serviceName: settings.OTEL_SERVICE_NAME,
    resourceDetectors: [envDetector, hostDetector],
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        scheduledDelayMillis: settings.OTEL_BSP_SCHEDULE_DELAY,
        maxQueueSize: settings.OTEL_BSP_MAX_QUEUE_SIZE,
        maxExportBatchSize: Math.min(settings.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, settings.OTEL_BSP_MAX_QUEUE_SIZE),
        exportTimeoutMillis: settings.OTEL_BSP_EXPORT_TIMEOUT,
      }),
    ],
    textMapPropagator: new W3CTraceContextPropagator(),
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  const target = `${url.replace(/\/\/[^/@]*@/, '//')} (${settings.OTEL_EXPORTER_OTLP_PROTOCOL})`;
  return {
    target,
    shutdown: () =>
      Promise.race([sdk.shutdown(), new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_LIMIT_MS).unref())]),
  };
}
