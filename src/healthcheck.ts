/**
 * The container health check: `node dist/healthcheck.js [/healthz|/readyz]` asks this
 * container's own process and exits 0 on a 2xx. A worker answers on METRICS_PORT, the
 * API (and ROLE=all) on PORT.
 */
const path = process.argv[2] ?? '/healthz';
const role = process.env.ROLE ?? 'all';
const port = role === 'worker' ? process.env.METRICS_PORT : (process.env.PORT ?? '4000');
if (!port) {
  process.stderr.write('healthcheck: a worker answers probes only when METRICS_PORT is set\n');
  process.exit(1);
}
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4_000) });
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`healthcheck: ${(err as Error).message}\n`);
  process.exit(1);
}
