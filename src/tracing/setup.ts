/**
 * Starts the OpenTelemetry SDK when the configuration says so (an OTLP endpoint is set):
 * a Node tracer provider (AsyncLocalStorage context, W3C trace context propagation), the
 * configured sampler, and a batch processor exporting over OTLP/HTTP as protobuf or JSON.
 * Off, nothing is registered: the API stays no-op and spans cost nothing measurable.
 */
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Role, TracingConfig } from '../config/index.js';
import { setRecordContent } from './content.js';

export interface Tracing {
  readonly enabled: boolean;
  /** Exports what is buffered and stops; every span ended before it is sent (bounded by the exporter's timeout). */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, shutdown: async () => {} };

/** `warn` hears the SDK's own problems (an unreachable collector); nothing of a span's content. */
export function startTracing(config: TracingConfig, role: Role, warn: (message: string) => void): Tracing {
  if (!config.enabled || config.tracesUrl === undefined) return OFF;
  setRecordContent(config.recordContent);
  diag.setLogger(diagLogger(warn), DiagLogLevel.WARN);
  const exporter = config.protocol === 'http/json' ? new OtlpJsonExporter({ url: config.tracesUrl }) : new OtlpProtobufExporter({ url: config.tracesUrl });
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName ?? defaultServiceName(role), [ATTR_SERVICE_VERSION]: '0.1.0', 'ai_jobs.role': role }));
  const provider = new NodeTracerProvider({
    resource,
    sampler: samplerOf(config),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: config.scheduleDelayMs })],
  });
  provider.register();
  return { enabled: true, shutdown: () => provider.shutdown() };
}

function defaultServiceName(role: Role): string {
  return role === 'all' ? 'ai-jobs' : `ai-jobs-${role}`;
}

function samplerOf(config: TracingConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
  }
}

function diagLogger(warn: (message: string) => void): DiagLogger {
  const say = (message: string, ...args: unknown[]) => warn(`opentelemetry: ${[message, ...args.map(String)].join(' ')}`);
  const quiet = () => {};
  return { error: say, warn: say, info: quiet, debug: quiet, verbose: quiet };
}
