/**
 * Small helpers for the benchmark: a GraphQL-over-HTTP call, a bounded-concurrency pool,
 * percentiles, polling with a deadline, and the printed table.
 */

/** POSTs one GraphQL operation; throws on HTTP or GraphQL errors, returns `data`. */
export async function gql(url, key, query, variables, { timeoutMs = 60_000 } = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok || body.errors?.length || !body.data) {
    throw new Error(`GraphQL request failed (HTTP ${res.status}): ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  }
  return body.data;
}

/** Runs `task(i)` for i in [0, count) with at most `inFlight` running at once. */
export async function pool(count, inFlight, task) {
  const results = new Array(count);
  let next = 0;
  async function lane() {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  return results;
}

/** Nearest-rank percentile of sorted numbers (null when empty or when it is Infinity). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  const v = sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
  return Number.isFinite(v) ? v : null;
}

/**
 * p50/p95/p99, mean and max of milliseconds, rounded to 0.1 ms. `unfinished` counts
 * samples that had not ended when measuring stopped: they rank above every finished one,
 * so a percentile that falls among them is null (unknown) rather than flattering.
 */
export function latencyStats(values, unfinished = 0) {
  const sorted = [...values].sort((a, b) => a - b).concat(Array(unfinished).fill(Infinity));
  const r = (x) => (x === null ? null : Math.round(x * 10) / 10);
  const complete = unfinished === 0 && values.length > 0;
  return {
    p50Ms: r(percentile(sorted, 50)),
    p95Ms: r(percentile(sorted, 95)),
    p99Ms: r(percentile(sorted, 99)),
    meanMs: complete ? r(values.reduce((a, b) => a + b, 0) / values.length) : null,
    maxMs: complete ? r(sorted[sorted.length - 1]) : null,
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Calls `probe()` every `everyMs` until it returns a truthy value (returned) or the time is up (false). */
export async function until(probe, { everyMs = 100, timeoutMs = 120_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** Like `until`, but a deadline is an error. */
export async function waitFor(what, probe, opts = {}) {
  const value = await until(probe, opts);
  if (!value) throw new Error(`timed out after ${opts.timeoutMs ?? 120_000} ms waiting for ${what}`);
  return value;
}

const fmt = (x, digits = 1) => (x === null || x === undefined ? '–' : Number(x).toFixed(digits));

/** A fixed-width table of the results, one row per measurement. */
export function formatTable(results) {
  const header = ['measurement', 'count', 'seconds', 'rate', 'unit', 'p50 ms', 'p95 ms', 'p99 ms'];
  const rows = results.map((r) => [
    r.name,
    `${r.count}${r.complete === false ? '*' : ''}`,
    fmt(r.seconds, 2),
    r.rate === null || r.rate === undefined ? '–' : fmt(r.rate, 1),
    r.unit ?? '',
    fmt(r.latency?.p50Ms),
    fmt(r.latency?.p95Ms),
    fmt(r.latency?.p99Ms),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
