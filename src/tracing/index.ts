/**
 * OpenTelemetry traces: the SDK's start and stop, the stored trace context, and one small
 * adapter per place where a span starts (HTTP request, submission, attempt, step, AI
 * call, webhook delivery). Imports nothing of ours but the configuration's types.
 */
export { startTracing, type Tracing } from './setup.js';
export type { Span } from '@opentelemetry/api';
export { activeSpanIds, captureTraceContext, traceIdOf, type StoredTraceContext } from './trace-context.js';
export { attemptTrace, noteBatch, noteJob, traceAttempt, traceStep, traceSubmission, type JobTrace } from './job-spans.js';
export { traceAiCall, type AiCallSpan } from './ai-call-span.js';
export { traceDelivery } from './webhook-span.js';
export { httpServerSpans } from './http-span.js';
