/**
 * A worker's small HTTP server on METRICS_PORT: /metrics, /healthz (the process answers)
 * and /readyz (the database answers and the job loop has looked for work lately).
 */
import { createServer, type Server } from 'node:http';
import { pingMongo } from '../db/client.js';
import { serveMetrics } from '../metrics/scrape.js';
import { registerMetricSources } from './metric-sources.js';
import type { Services } from './services.js';

export interface WorkerHttp {
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** The job loop is stale when it has not polled for this many poll intervals (and at least 5 s). */
const STALE_POLLS = 5;
const MIN_STALE_MS = 5_000;

export interface WorkerReadiness {
  /** When the job loop last looked for due work and the database answered. */
  lastPollAt(): Date | null;
  /** True while every job slot is taken: the loop does not look for work then, by design. */
  atCapacity(): boolean;
}

export async function startWorkerHttp(services: Services, readiness: WorkerReadiness, port: number): Promise<WorkerHttp> {
  const { config } = services;
  const startedAt = Date.now();
  const staleMs = Math.max(MIN_STALE_MS, STALE_POLLS * config.jobs.pollMs);
  registerMetricSources(services);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      void serveMetrics(req, res, config.metrics.token);
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
      return;
    }
    if (path === '/readyz') {
      void (async () => {
        const database = await pingMongo(services.db);
        const last = readiness.lastPollAt()?.getTime() ?? startedAt;
        const polling = readiness.atCapacity() || Date.now() - last <= staleMs;
        const ready = database && polling;
        res
          .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: ready ? 'ready' : 'unavailable', database: database ? 'up' : 'down', jobLoop: polling ? 'polling' : 'stale' }));
      })();
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, config.host, () => ok());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    server,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
