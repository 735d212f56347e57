/** The OTEL_* variables as src/config/tracing-config.ts reads them: off unless an endpoint is set, the spec's endpoint rules, bad values named. */
import { ConfigError, loadConfig, readTracing } from '../../src/config/index.js';

describe('tracing configuration', () => {
  test('with no OTLP endpoint tracing is off, whatever else is set', () => {
    expect(loadConfig({}).tracing).toMatchObject({ enabled: false, tracesUrl: undefined, protocol: 'http/protobuf', recordContent: false });
    expect(readTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_SERVICE_NAME: 'x', OTEL_RECORD_CONTENT: 'true' }).enabled).toBe(false);
  });

  test('the general endpoint gets /v1/traces appended; the traces endpoint is used as given and wins', () => {
    expect(readTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracesUrl).toBe('http://collector:4318/v1/traces');
    const both = readTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b.example/otlp/traces' });
    expect(both).toMatchObject({ enabled: true, tracesUrl: 'https://b.example/otlp/traces' });
  });

  test('the protocol, sampler, delay and content switch are the standard ones', () => {
    const c = readTracing({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_SERVICE_NAME: 'jobs-eu',
      OTEL_RECORD_CONTENT: 'true',
    });
    expect(c).toEqual({
      enabled: true,
      tracesUrl: 'http://c:4318/v1/traces',
      protocol: 'http/json',
      serviceName: 'jobs-eu',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
      scheduleDelayMs: 200,
      recordContent: true,
    });
    expect(readTracing({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }).protocol).toBe('http/protobuf');
  });

  test('OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off with an endpoint set', () => {
    expect(readTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
    expect(readTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }).enabled).toBe(false);
  });

  test.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc'],
    ['OTEL_TRACES_SAMPLER', 'sometimes'],
    ['OTEL_TRACES_SAMPLER_ARG', '1.5'],
    ['OTEL_BSP_SCHEDULE_DELAY', 'soon'],
    ['OTEL_RECORD_CONTENT', 'maybe'],
  ])('a bad %s stops the start with an error naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
