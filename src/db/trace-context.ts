/**
 * A W3C trace context as stored with a job or a webhook delivery, so a span started in
 * another process (a worker, the dispatcher) continues the same OpenTelemetry trace.
 * src/tracing/trace-context.ts reads and writes it.
 */
export interface TraceContextDoc {
  traceparent: string;
  tracestate: string | null;
}
