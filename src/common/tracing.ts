import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span } from '@opentelemetry/api';

import { AppException } from './errors';

/**
 * The app's spans, through the OpenTelemetry API: no-ops until main.ts starts the SDK (an OTLP
 * endpoint is set). Spans carry ids, names and counts only: never message text, tool arguments,
 * results or errors' words, principals, keys or query strings.
 */
export const tracer = trace.getTracer('mcp-host-server');

/** W3C trace context, as a queued turn carries it from the HTTP request that sent it to the node that runs it. */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;
const TRACESTATE_MAX_CHARS = 512;

/** The request's `traceparent` (and `tracestate`), when it carries a valid one. */
export function carrierOf(headers: Record<string, string | string[] | undefined>): TraceCarrier | undefined {
  const traceparent = headers.traceparent;
  if (typeof traceparent !== 'string' || !TRACEPARENT.test(traceparent.trim())) {
    return undefined;
  }
  const tracestate = headers.tracestate;
  return {
    traceparent: traceparent.trim(),
    ...(typeof tracestate === 'string' && tracestate.length <= TRACESTATE_MAX_CHARS ? { tracestate } : {}),
  };
}

/** The context a carried trace continues, or a new trace's. */
export const contextOf = (carrier: TraceCarrier | undefined): Context =>
  carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;

/** The code an error is known by in spans (`error.type`): its error code, else its class. */
export const errorTypeOf = (error: unknown): string =>
  error instanceof AppException ? error.code : error instanceof Error ? error.name : 'Error';

/** Marks a span failed with `error.type` (no message: error words may quote what a user wrote). */
export function failed(span: Span, type: string): void {
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

export function succeeded(span: Span): void {
  span.setStatus({ code: SpanStatusCode.OK });
}

/**
 * Runs `work` in a new span, active for everything it awaits (its children descend from it), and
 * ends it: failed with the error's type if it throws. `parent`: the context to start from (default: the active one).
 */
export function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    parent,
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        failed(span, errorTypeOf(error));
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

export { SpanKind };
