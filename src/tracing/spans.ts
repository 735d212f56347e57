/**
 * The one helper every span of ours goes through: start it, run the work as its active
 * span, record an error (type and message, never a stack of user data), end it. With
 * tracing off the tracer is the API's no-op one: the span records nothing and costs a call.
 */
import { context, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span, type SpanKind } from '@opentelemetry/api';

export const TRACER_NAME = 'ai-jobs';

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** The parent; the active context when absent. */
  parent?: Context;
}

/** Runs `work` inside a new span; the span ends when the work settles, with ERROR if it threw. */
export function inSpan<T>(name: string, opts: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME);
  const parent = opts.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: opts.kind, attributes: opts.attributes, links: opts.links }, parent);
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await work(span);
    } catch (err) {
      markFailed(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** ERROR status with the error's stable code (or class name) as `error.type`. */
export function markFailed(span: Span, err: unknown, type?: string): void {
  const code = (err as { code?: unknown } | null)?.code;
  span.setAttribute('error.type', type ?? (typeof code === 'string' ? code : err instanceof Error ? err.name : 'Error'));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message.slice(0, 500) : String(err).slice(0, 500) });
}
