/**
 * OpenTelemetry tracing, configured by the standard OTEL_* variables only. Tracing is on
 * when an OTLP endpoint is given (and OTEL_SDK_DISABLED is not true); otherwise nothing
 * is started and the OpenTelemetry API stays its no-op self. Variables not read here
 * (OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_TIMEOUT, OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_BSP_MAX_QUEUE_SIZE …) are read by the SDK itself.
 */
import { ConfigError, readBool, readEnum, readInt, readOptional, readUrl, type Env } from './parse.js';

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];
export const TRACE_SAMPLERS = [
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
  'always_on',
  'always_off',
  'traceidratio',
] as const;
export type TraceSampler = (typeof TRACE_SAMPLERS)[number];

export interface TracingConfig {
  /** False: no SDK, no exporter, no spans recorded (the API's no-op implementation). */
  enabled: boolean;
  /** The full URL spans are POSTed to (…/v1/traces); undefined when off. */
  tracesUrl: string | undefined;
  /** OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL; http/protobuf by default. */
  protocol: OtlpProtocol;
  /** OTEL_SERVICE_NAME; unset: by role (ai-jobs-api, ai-jobs-worker, ai-jobs). */
  serviceName: string | undefined;
  sampler: TraceSampler;
  /** OTEL_TRACES_SAMPLER_ARG: the ratio of the traceidratio samplers, 0 to 1. */
  samplerRatio: number;
  /** OTEL_BSP_SCHEDULE_DELAY: ms between two exports of finished spans. */
  scheduleDelayMs: number;
  /** OTEL_RECORD_CONTENT: put prompts and answers on AI call spans (off: never). */
  recordContent: boolean;
}

export function readTracing(env: Env): TracingConfig {
  const tracesEndpoint = readHttpUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = readHttpUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  // The spec: a signal-specific endpoint is used as given; the general one gets /v1/traces appended.
  const tracesUrl = tracesEndpoint ?? (endpoint === undefined ? undefined : `${endpoint.replace(/\/+$/, '')}/v1/traces`);
  const exporter = readEnum(env, 'OTEL_TRACES_EXPORTER', ['otlp', 'none'], 'otlp');
  const disabled = readBool(env, 'OTEL_SDK_DISABLED', false) || exporter === 'none';
  const generalProtocol = readEnum(env, 'OTEL_EXPORTER_OTLP_PROTOCOL', OTLP_PROTOCOLS, 'http/protobuf');
  return {
    enabled: tracesUrl !== undefined && !disabled,
    tracesUrl: disabled ? undefined : tracesUrl,
    protocol: readEnum(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', OTLP_PROTOCOLS, generalProtocol),
    serviceName: readOptional(env, 'OTEL_SERVICE_NAME'),
    sampler: readEnum(env, 'OTEL_TRACES_SAMPLER', TRACE_SAMPLERS, 'parentbased_always_on'),
    samplerRatio: readRatio(env, 'OTEL_TRACES_SAMPLER_ARG'),
    scheduleDelayMs: readInt(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, 0, 3_600_000),
    recordContent: readBool(env, 'OTEL_RECORD_CONTENT', false),
  };
}

/** An http(s) URL: `collector:4318` parses as a URL of scheme `collector:`, and is refused here. */
function readHttpUrl(env: Env, name: string): string | undefined {
  const url = readUrl(env, name);
  if (url !== undefined && !/^https?:$/.test(new URL(url).protocol)) throw new ConfigError(name, url, 'an http:// or https:// URL');
  return url;
}

function readRatio(env: Env, name: string): number {
  const raw = readOptional(env, name);
  if (raw === undefined) return 1;
  const n = Number(raw.trim());
  if (!/^\d*\.?\d+$/.test(raw.trim()) || n < 0 || n > 1) throw new ConfigError(name, raw, 'a number from 0 to 1');
  return n;
}
