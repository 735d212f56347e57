/**
 * The span of one webhook delivery attempt (kind CLIENT), a child of the context stored
 * with the delivery (the job attempt that finished it), whose `traceparent` goes out with
 * the request so the receiver can join the trace. The URL is left out (it may hold a
 * token): only the host and port are recorded.
 */
import { SpanKind, type Span } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '@opentelemetry/semantic-conventions';
import * as A from './genai-attributes.js';
import { inSpan, markFailed } from './spans.js';
import { contextOf, traceHeaders, type StoredTraceContext } from './trace-context.js';

export interface DeliveryInfo {
  deliveryId: string;
  endpointId: string;
  eventType: string;
  jobId: string | null;
  attempt: number;
  url: string;
  trace: StoredTraceContext | null | undefined;
}

export interface DeliveryResult {
  statusCode: number | null;
  ok: boolean;
  error: string | null;
}

/** Runs the attempt with the headers to add (`traceparent`, `tracestate`; none when off). */
export function traceDelivery<T extends DeliveryResult>(info: DeliveryInfo, send: (headers: Record<string, string>) => Promise<T>): Promise<T> {
  const url = safeUrl(info.url);
  const attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: 'POST',
    ...(url ? { [ATTR_SERVER_ADDRESS]: url.hostname, [ATTR_SERVER_PORT]: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) } : {}),
    'ai_jobs.webhook.delivery_id': info.deliveryId,
    'ai_jobs.webhook.endpoint_id': info.endpointId,
    'ai_jobs.webhook.event_type': info.eventType,
    'ai_jobs.webhook.attempt': info.attempt,
    ...(info.jobId ? { [A.AI_JOBS_JOB_ID]: info.jobId } : {}),
  };
  return inSpan(`webhook ${info.eventType}`, { kind: SpanKind.CLIENT, parent: contextOf(info.trace), attributes }, async (span) => {
    const outcome = await send(traceHeaders());
    record(span, outcome);
    return outcome;
  });
}

function record(span: Span, outcome: DeliveryResult): void {
  if (outcome.statusCode !== null) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.statusCode);
  if (!outcome.ok) markFailed(span, new Error(outcome.error ?? 'failed'), outcome.statusCode !== null ? String(outcome.statusCode) : 'delivery_failed');
}

function safeUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
