/** No Docker engine runs here, so the compose file is checked as data against the contract. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '..', '..');
const compose = parse(readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { image?: string; build?: unknown; command?: string[]; environment?: Record<string, string>; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>; ports?: string[] }>;
};

describe('docker-compose.yml', () => {
  const { mongo, api, worker } = compose.services;

  test('MongoDB 7 runs as a one-node replica set, initiated by its health check', () => {
    expect(mongo!.image).toMatch(/^mongo:7/);
    expect(mongo!.command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
    expect(mongo!.healthcheck!.test.join(' ')).toContain('rs.initiate');
  });

  test.each([
    ['api', 'api'],
    ['worker', 'worker'],
  ])('%s is built from the Dockerfile with ROLE=%s and the replica set URI', (name, role) => {
    const svc = compose.services[name]!;
    expect(svc.build).toBe('.');
    expect(svc.environment!.ROLE).toBe(role);
    expect(svc.environment!.MONGODB_URI).toMatch(/^mongodb:\/\/mongo:27017\/\w+\?replicaSet=rs0$/);
    expect(svc.depends_on!.mongo!.condition).toBe('service_healthy');
  });

  test('the API listens on all interfaces at the contract port; the worker publishes no port so it scales', () => {
    expect(api!.environment!.HOST).toBe('0.0.0.0');
    expect(api!.environment!.PORT).toBe('4000');
    expect(api!.ports).toEqual(['4000:4000']);
    expect(worker!.ports).toBeUndefined();
  });

  test('the Dockerfile builds the service and starts dist/main.js', () => {
    const dockerfile = readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:24/m);
    expect(dockerfile).toContain('npm ci');
    expect(dockerfile).toContain('npm run build');
    expect(dockerfile).toMatch(/CMD \["node", "dist\/main.js"\]/);
  });
});
