/**
 * Read latency with history stored: `jobs(first: 20)` (the newest page of the tenant's
 * jobs) and `job(id)` for jobs spread over the history, one request at a time over HTTP.
 */
import { performance } from 'node:perf_hooks';
import { gql, latencyStats } from './lib.mjs';

/** The console's first page: its rows and the total. */
const PAGE = `{ jobs(first: 20) { totalCount edges { node { id kind status createdAt finishedAt } } pageInfo { hasNextPage endCursor } } }`;
const ONE = `query($id: ID!) { job(id: $id) { id status result finishedAt } }`;

/**
 * Up to `n` requests, one at a time, while `budgetMs` lasts; a request that takes longer
 * than `requestTimeoutMs` is abandoned and counted as unfinished (ranked last).
 */
async function timed(n, budgetMs, requestTimeoutMs, fn) {
  const ms = [];
  let unfinished = 0;
  const deadline = performance.now() + budgetMs;
  for (let i = 0; i < n && performance.now() < deadline; i++) {
    const t = performance.now();
    try {
      await fn(i, requestTimeoutMs);
      ms.push(performance.now() - t);
    } catch (err) {
      if (err?.name !== 'TimeoutError') throw err;
      unfinished++;
    }
  }
  return { ms, unfinished };
}

/** `ids`: stored job ids to look up (spread over the history). */
export async function measureReads(url, key, ids, { samples = 30, budgetMs = 45_000, requestTimeoutMs = 30_000, historyNote = '' } = {}) {
  let listed = 0;
  const page = await timed(samples, budgetMs, requestTimeoutMs, async (_i, timeoutMs) => {
    listed = (await gql(url, key, PAGE, {}, { timeoutMs })).jobs.edges.length;
  });
  let found = 0;
  const one = await timed(samples, budgetMs, requestTimeoutMs, async (i, timeoutMs) => {
    if ((await gql(url, key, ONE, { id: ids[Math.floor(((i + 0.5) / samples) * ids.length)] }, { timeoutMs })).job) found++;
  });
  const row = (name, { ms, unfinished }, note) => {
    const seconds = ms.reduce((a, b) => a + b, 0) / 1000;
    return {
      name,
      count: ms.length,
      seconds,
      rate: seconds > 0 ? ms.length / seconds : null,
      unit: 'requests/s',
      latency: latencyStats(ms, unfinished),
      complete: unfinished === 0 && ms.length === samples,
      notes:
        `${note}; ${ms.length} of up to ${samples} requests done within a ${budgetMs / 1000} s budget` +
        (unfinished ? `, ${unfinished} abandoned after ${requestTimeoutMs / 1000} s` : '') +
        `; one request at a time over HTTP to the API process; ${historyNote}`,
    };
  };
  return [
    row('jobs(first: 20) with totalCount, history stored', page, `each returned ${listed} jobs`),
    row('job(id), history stored', one, `seeded jobs spread over the history, ${found} found`),
  ];
}
