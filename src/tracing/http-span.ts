/**
 * The SERVER span of an HTTP request to the API, continuing the caller's `traceparent`
 * when it sends one. Express middleware: everything the request does runs in its context.
 */
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { markFailed, TRACER_NAME } from './spans.js';

export function httpServerSpans(route: string) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const parent = propagation.extract(context.active(), req.headers);
    const method = req.method ?? 'GET';
    const span = trace.getTracer(TRACER_NAME).startSpan(
      `${method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_HTTP_ROUTE]: route } },
      parent,
    );
    res.once('close', () => {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (res.statusCode >= 500) markFailed(span, new Error(`status ${res.statusCode}`), String(res.statusCode));
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
