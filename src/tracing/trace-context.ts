/**
 * A trace context as it is stored with a job or a webhook delivery: the W3C `traceparent`
 * (and `tracestate`) of the span to continue. Stored as text so that a worker on another
 * machine, a retry an hour later or a redelivery next week continues the same trace.
 */
import { context, propagation, trace, type Context, type Link, type Span } from '@opentelemetry/api';

export interface StoredTraceContext {
  traceparent: string;
  tracestate: string | null;
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}$/;

/** The active span's context, ready to store; null when no span records (tracing off). */
export function captureTraceContext(): StoredTraceContext | null {
  const span = trace.getActiveSpan();
  if (span === undefined || !span.isRecording()) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  if (carrier.traceparent === undefined) return null;
  return { traceparent: carrier.traceparent, tracestate: carrier.tracestate ?? null };
}

/** A context whose remote parent is the stored span (the active context when none is stored). */
export function contextOf(stored: StoredTraceContext | null | undefined, base: Context = context.active()): Context {
  if (!stored) return base;
  const carrier: Record<string, string> = { traceparent: stored.traceparent };
  if (stored.tracestate) carrier.tracestate = stored.tracestate;
  return propagation.extract(base, carrier);
}

/** A link to the stored span (an attempt that ended long ago), or none. */
export function linkTo(stored: StoredTraceContext | null | undefined, attributes?: Link['attributes']): Link[] {
  if (!stored) return [];
  const spanContext = trace.getSpanContext(contextOf(stored));
  return spanContext ? [{ context: spanContext, ...(attributes ? { attributes } : {}) }] : [];
}

/** The 32-hex trace id in a stored traceparent, or null. */
export function traceIdOf(stored: Pick<StoredTraceContext, 'traceparent'> | null | undefined): string | null {
  return stored ? (TRACEPARENT.exec(stored.traceparent)?.[1] ?? null) : null;
}

/** The active span's ids for a log line (`trace_id`, `span_id`), or undefined when none records. */
export function activeSpanIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getActiveSpan();
  if (span === undefined || !span.isRecording()) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** Outgoing request headers carrying the active context (`traceparent`, `tracestate`); empty when off. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Adds a link from `span` to the stored span (a request that acts on a job traced elsewhere). */
export function linkSpanTo(span: Span, stored: StoredTraceContext): void {
  for (const link of linkTo(stored)) span.addLink(link);
}
