/**
 * deploy/ checked as data (no Docker engine or cluster here): the compose file's probes and
 * monitoring profile, the Grafana dashboard's queries against the metrics the service
 * really exports, and the Kubernetes manifests against the configuration loader.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import { registry } from '../../src/metrics/metrics.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(resolve(ROOT, path), 'utf8');

interface Service {
  image?: string;
  profiles?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  ports?: string[];
}
const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };

/** Every series name the service exports: histograms as their _bucket, _sum and _count. */
async function exportedSeries(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${m.name}${s}`);
  }
  return names;
}

/** The mount source of `target` in a compose service's volumes. */
const mountOf = (svc: Service, target: string) => svc.volumes?.map((v) => v.split(':')).find(([, t]) => t === target)?.[0];

describe('docker-compose.yml', () => {
  test.each(['api', 'worker'])('%s has a health check on /readyz through dist/healthcheck.js', (name) => {
    expect(compose.services[name]!.healthcheck!.test).toEqual(['CMD', 'node', 'dist/healthcheck.js', '/readyz']);
  });

  test('the worker serves its probes and metrics on METRICS_PORT, unpublished so it scales', () => {
    const worker = compose.services.worker!;
    expect(worker.environment!.METRICS_PORT).toBe('9464');
    expect(worker.ports).toBeUndefined();
  });

  test('the monitoring profile adds Prometheus and Grafana, and nothing else needs it', () => {
    const monitoring = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('monitoring')).map(([n]) => n);
    expect(monitoring.sort()).toEqual(['grafana', 'prometheus']);
    for (const name of ['mongo', 'api', 'worker']) expect(compose.services[name]!.profiles).toBeUndefined();
  });

  test('Prometheus scrapes every API at PORT and every worker at METRICS_PORT', () => {
    const source = mountOf(compose.services.prometheus!, '/etc/prometheus/prometheus.yml');
    expect(source).toBe('./deploy/prometheus/prometheus.yml');
    const prom = parse(read(source!)) as { scrape_configs: Array<{ metrics_path: string; dns_sd_configs: Array<{ names: string[]; port: number }> }> };
    const targets = prom.scrape_configs.flatMap((c) => c.dns_sd_configs.map((d) => ({ path: c.metrics_path, names: d.names, port: d.port })));
    expect(targets).toEqual(
      expect.arrayContaining([
        { path: '/metrics', names: ['api'], port: Number(compose.services.api!.environment!.PORT) },
        { path: '/metrics', names: ['worker'], port: Number(compose.services.worker!.environment!.METRICS_PORT) },
      ]),
    );
  });

  test('Grafana is provisioned with the Prometheus data source and the dashboards folder', () => {
    const grafana = compose.services.grafana!;
    const provisioning = mountOf(grafana, '/etc/grafana/provisioning')!;
    const datasources = parse(read(`${provisioning}/datasources/prometheus.yml`)) as { datasources: Array<{ uid: string; url: string }> };
    expect(datasources.datasources[0]).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
    const providers = parse(read(`${provisioning}/dashboards/dashboards.yml`)) as { providers: Array<{ options: { path: string } }> };
    const dashboardsDir = providers.providers[0]!.options.path;
    expect(mountOf(grafana, dashboardsDir)).toBe('./deploy/grafana/dashboards');
    expect(readdirSync(resolve(ROOT, 'deploy/grafana/dashboards'))).toContain('ai-jobs.json');
  });

  test('the Dockerfile runs on Node 24 and checks health through dist/healthcheck.js', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile.match(/^FROM \S+/gm)).toEqual(['FROM node:24-bookworm-slim', 'FROM node:24-bookworm-slim']);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*CMD \["node", "dist\/healthcheck.js", "\/healthz"\]$/m);
  });
});

describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(read('deploy/grafana/dashboards/ai-jobs.json')) as {
    panels: Array<{ type: string; title: string; datasource?: { uid: string }; targets?: Array<{ expr: string }> }>;
  };
  const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
  const queried = new Set(exprs.flatMap((e) => e.match(/\b(?:aijobs|process|nodejs)_[a-z0-9_]+\b/g) ?? []));

  test('every metric it queries is one the service exports', async () => {
    const exported = await exportedSeries();
    expect(queried.size).toBeGreaterThan(10);
    expect([...queried].filter((m) => !exported.has(m))).toEqual([]);
  });

  test('it covers the queue, latency, AI outcomes and spend, and webhooks', () => {
    for (const m of ['aijobs_job_queue_depth', 'aijobs_job_wait_seconds_bucket', 'aijobs_job_run_seconds_bucket', 'aijobs_ai_calls_total', 'aijobs_ai_cost_usd_total', 'aijobs_webhook_attempts_total']) {
      expect([m, queried.has(m)]).toEqual([m, true]);
    }
  });

  test('every query panel reads the provisioned data source', () => {
    for (const p of dashboard.panels.filter((x) => x.type !== 'row')) expect([p.title, p.datasource?.uid]).toEqual([p.title, 'prometheus']);
  });
});

describe('deploy/kubernetes', () => {
  type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } };
  type Probe = { httpGet: { path: string; port: string } };
  type Container = { name: string; ports: Array<{ name: string; containerPort: number }>; env: EnvVar[]; livenessProbe: Probe; readinessProbe: Probe };
  type Doc = {
    kind: string;
    metadata: { name: string };
    spec: {
      template?: { metadata: { annotations: Record<string, string>; labels: Record<string, string> }; spec: { containers: Container[] } };
      ports?: Array<{ targetPort: string }>;
      selector?: Record<string, string>;
    };
    stringData?: Record<string, string>;
  };
  const docs = readdirSync(resolve(ROOT, 'deploy/kubernetes'))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(read(`deploy/kubernetes/${f}`)).map((d) => d.toJSON() as Doc));
  const deployment = (name: string) => docs.find((d) => d.kind === 'Deployment' && d.metadata.name === name)!;
  const secret = docs.find((d) => d.kind === 'Secret')!;
  // Values that pass the loader's checks, for variables whose real values live in the Secret.
  const SECRET_STAND_INS: Record<string, string> = {
    MONGODB_URI: 'mongodb://db.example:27017/aijobs',
    OPENAI_API_KEY: 'sk-test',
    WEBHOOK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    METRICS_TOKEN: 'token',
  };
  const documented = new Set([...read('README.md').matchAll(/^\| (.+?) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((x) => x[1]!)));

  function configOf(container: Container) {
    const env: Record<string, string> = {};
    for (const v of container.env) {
      if (v.valueFrom) {
        expect(v.valueFrom.secretKeyRef.name).toBe(secret.metadata.name);
        expect(Object.keys(secret.stringData!)).toContain(v.valueFrom.secretKeyRef.key);
        env[v.name] = SECRET_STAND_INS[v.valueFrom.secretKeyRef.key]!;
      } else env[v.name] = v.value!;
    }
    return { env, config: loadConfig(env) };
  }

  test.each([
    ['ai-jobs-api', 'api', 'http', (c: ReturnType<typeof loadConfig>) => c.port],
    ['ai-jobs-worker', 'worker', 'metrics', (c: ReturnType<typeof loadConfig>) => c.metrics.port],
  ])('%s: role, port, probes and scrape annotations agree with its configuration', (name, role, portName, portOf) => {
    const template = deployment(name).spec.template!;
    const container = template.spec.containers[0]!;
    const { env, config } = configOf(container);
    expect(config.role).toBe(role);
    expect(config.host).toBe('0.0.0.0');
    const port = container.ports.find((p) => p.name === portName)!;
    expect(port.containerPort).toBe(portOf(config));
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: portName });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: portName });
    expect(template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port.containerPort), 'prometheus.io/path': '/metrics' });
    // Secrets only through the Secret; every variable set is one the README documents.
    for (const v of ['MONGODB_URI', 'OPENAI_API_KEY', 'METRICS_TOKEN', 'WEBHOOK_SECRET_KEY']) {
      expect([v, container.env.find((e) => e.name === v)?.valueFrom?.secretKeyRef.key]).toEqual([v, v]);
    }
    expect(Object.keys(env).filter((v) => !documented.has(v))).toEqual([]);
  });

  test('the API Service targets the API pods on their named HTTP port; the workers have no Service', () => {
    const services = docs.filter((d) => d.kind === 'Service');
    expect(services.map((s) => s.metadata.name)).toEqual(['ai-jobs-api']);
    expect(services[0]!.spec.ports![0]!.targetPort).toBe('http');
    expect(services[0]!.spec.selector).toEqual(deployment('ai-jobs-api').spec.template!.metadata.labels);
  });
});
