import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { context, propagation, trace } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';

import { failed, SpanKind, succeeded, tracer } from '../../common/tracing';

// Requests whose answer never came (timed out, cancelled, the connection broke) are not kept for ever.
const MAX_IN_FLIGHT = 1000;

type Handler = NonNullable<Transport['onmessage']>;
const WRAPPED = Symbol('traced');

/** The request's target in its span name: the tool, prompt or resource it is about. */
function targetOf(method: string, params: Record<string, unknown> | undefined): string | undefined {
  if (method === 'tools/call' || method === 'prompts/get') {
    return typeof params?.name === 'string' ? params.name : undefined;
  }
  return undefined;
}

/**
 * SEP-414: every request sent while a span is active (within a turn) gets its own client span,
 * `{method} {target}` (`mcp.method.name`, `gen_ai.tool.name`), whose context travels in
 * `params._meta` as `traceparent` and `tracestate`; the answer ends it (`error.type`: the JSON-RPC
 * error code, or `tool_error` for a result the server marks isError). On the connection's transport,
 * so every transport and both protocol eras carry it; outside a turn nothing is added.
 */
export function traceRequests(transport: Transport): void {
  const spans = new Map<string | number, Span>();
  const send = transport.send.bind(transport);

  const receive = (handler: Handler): Handler => {
    const traced: Handler = (message, extra) => {
      if (!('method' in message) && 'id' in message && message.id !== undefined) {
        const span = spans.get(message.id);
        if (span) {
          spans.delete(message.id);
          end(span, message);
        }
      }
      handler(message, extra);
    };
    return Object.assign(traced, { [WRAPPED]: true });
  };

  const closed = (handler: () => void) =>
    Object.assign(
      () => {
        for (const span of spans.values()) {
          failed(span, 'connection_closed');
          span.end();
        }
        spans.clear();
        handler();
      },
      { [WRAPPED]: true },
    );

  transport.send = (message, options) => {
    // The handlers are the SDK's from connect on (and wrapped again by later shims): each is seen here.
    const handler = transport.onmessage as (Handler & { [WRAPPED]?: boolean }) | undefined;
    if (handler && !handler[WRAPPED]) {
      transport.onmessage = receive(handler);
    }
    const close = transport.onclose as ((() => void) & { [WRAPPED]?: boolean }) | undefined;
    if (close && !close[WRAPPED]) {
      transport.onclose = closed(close);
    }
    if ('method' in message && message.method === 'notifications/cancelled') {
      // A cancelled request gets no answer: its span ends here.
      const id = (message.params as { requestId?: string | number } | undefined)?.requestId;
      const span = id === undefined ? undefined : spans.get(id);
      if (span && id !== undefined) {
        spans.delete(id);
        failed(span, 'cancelled');
        span.end();
      }
    }
    return send(traced(message), options);
  };

  const traced = (message: JSONRPCMessage): JSONRPCMessage => {
    if (!('method' in message) || !('id' in message) || trace.getSpan(context.active()) === undefined) {
      return message;
    }
    const params = message.params as Record<string, unknown> | undefined;
    const target = targetOf(message.method, params);
    const span = tracer.startSpan(target ? `${message.method} ${target}` : message.method, {
      kind: SpanKind.CLIENT,
      attributes: {
        'mcp.method.name': message.method,
        ...(message.method === 'tools/call' && target ? { 'gen_ai.tool.name': target } : {}),
      },
    });
    if (spans.size >= MAX_IN_FLIGHT) {
      const [oldest, stale] = spans.entries().next().value!;
      spans.delete(oldest);
      stale.end();
    }
    spans.set(message.id, span);
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    const meta = { ...(params?._meta as Record<string, unknown> | undefined), ...carrier };
    return { ...message, params: { ...params, _meta: meta } } as JSONRPCMessage;
  };
}

function end(span: Span, message: JSONRPCMessage): void {
  if ('error' in message) {
    failed(span, String((message.error as { code?: unknown }).code ?? 'error'));
  } else if ((message as { result?: { isError?: unknown } }).result?.isError === true) {
    failed(span, 'tool_error');
  } else {
    succeeded(span);
  }
  span.end();
}
