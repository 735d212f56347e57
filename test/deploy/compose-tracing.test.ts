/**
 * The `tracing` profile of docker-compose.yml, checked as data (no Docker engine runs here):
 * an OpenTelemetry Collector and Jaeger, images pinned by tag, started only with the profile;
 * the API and the worker export to the collector exactly when OTEL_EXPORTER_OTLP_ENDPOINT
 * names it (the README's command), and with nothing set the default profile runs as before,
 * tracing off (read by the service's own configuration parser).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { readTracing } from '../../src/config/index.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(resolve(ROOT, path), 'utf8');

interface Service {
  image?: string;
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: string[] | Record<string, unknown>;
}
const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };
const { services } = compose;

/** Compose's `${NAME:-default}` / `${NAME}` interpolation over `env`, as `docker compose` does it. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => (env[name] ? env[name]! : (fallback ?? '')));
}
const environmentOf = (name: string, env: Record<string, string>) =>
  Object.fromEntries(Object.entries(services[name]!.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), env)]));

const README_COMMAND = /OTEL_EXPORTER_OTLP_ENDPOINT=(http:\/\/[\w-]+:\d+) docker compose --profile tracing up/;

describe('docker-compose.yml, tracing profile', () => {
  const collector = services['otel-collector']!;
  const jaeger = services.jaeger!;
  const collectorConfig = parse(read('deploy/otel-collector/config.yaml')) as {
    receivers: { otlp: { protocols: { http: { endpoint: string }; grpc: { endpoint: string } } } };
    exporters: Record<string, { endpoint: string; tls?: { insecure?: boolean } }>;
    service: { pipelines: { traces: { receivers: string[]; exporters: string[] } } };
  };

  test('the collector and Jaeger run only in the tracing profile, their images pinned by a version tag', () => {
    for (const svc of [collector, jaeger]) {
      expect(svc.profiles).toEqual(['tracing']);
      expect(svc.image).toMatch(/^[\w./-]+:\d+\.\d+\.\d+$/);
    }
    expect(collector.image).toMatch(/^otel\/opentelemetry-collector(-contrib)?:/);
    expect(jaeger.image).toMatch(/^jaegertracing\/jaeger:2\./);
    expect(jaeger.ports).toContain('16686:16686');
  });

  test("the collector loads deploy/otel-collector/config.yaml and receives OTLP/HTTP on all interfaces at the README's port", () => {
    const mount = collector.volumes!.find((v) => v.startsWith('./deploy/otel-collector/config.yaml:'))!;
    const inside = mount.split(':')[1]!;
    expect(collector.command).toEqual([`--config=${inside}`]);
    const [, readmeEndpoint] = read('README.md').match(README_COMMAND)!;
    const { hostname, port } = new URL(readmeEndpoint!);
    expect(hostname).toBe('otel-collector');
    expect(collectorConfig.receivers.otlp.protocols.http.endpoint).toBe(`0.0.0.0:${port}`);
    expect(collector.ports).toContain(`${port}:${port}`);
  });

  test("the collector's trace pipeline forwards to Jaeger's OTLP/gRPC receiver", () => {
    const { traces } = collectorConfig.service.pipelines;
    expect(traces.receivers).toEqual(['otlp']);
    const toJaeger = traces.exporters.map((name) => collectorConfig.exporters[name]!).find((e) => e.endpoint.startsWith('jaeger:'))!;
    expect(toJaeger.tls?.insecure).toBe(true);
    const port = toJaeger.endpoint.split(':')[1];
    expect(jaeger.command!.join(' ')).toContain(`receivers.otlp.protocols.grpc.endpoint=0.0.0.0:${port}`);
    expect(collector.depends_on).toEqual(['jaeger']);
  });

  test.each(['api', 'worker'])("%s exports to the collector with the README's endpoint, as http/protobuf by default", (name) => {
    const [, endpoint] = read('README.md').match(README_COMMAND)!;
    const tracing = readTracing(environmentOf(name, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint! }));
    expect(tracing).toMatchObject({ enabled: true, tracesUrl: `${endpoint}/v1/traces`, protocol: 'http/protobuf', recordContent: false });
  });
});

describe('docker-compose.yml, default profile', () => {
  test('runs mongo, the API and the worker only, none of them waiting on a tracing service', () => {
    const byDefault = Object.entries(services).filter(([, svc]) => svc.profiles === undefined).map(([name]) => name);
    expect(byDefault.sort()).toEqual(['api', 'mongo', 'worker']);
    for (const name of byDefault) {
      const deps = services[name]!.depends_on ?? [];
      const waitsOn = Array.isArray(deps) ? deps : Object.keys(deps);
      expect(waitsOn.filter((d) => services[d]?.profiles !== undefined)).toEqual([]);
    }
  });

  test.each(['api', 'worker'])('%s has tracing off when no OTEL_* variable is set', (name) => {
    const env = environmentOf(name, {});
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('');
    expect(readTracing(env)).toMatchObject({ enabled: false, tracesUrl: undefined });
  });
});
