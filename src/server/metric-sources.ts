/**
 * The values /metrics reads at scrape time from this process's services: queue depth
 * (from `live_jobs`, which holds unfinished work only, cached briefly), deliveries pending
 * (from `webhook_queue`, live deliveries only) and the DB ping.
 */
import { cached, sources } from '../metrics/metrics.js';
import type { Services } from './services.js';

/** A scrape every few seconds from several Prometheus servers still reads live_jobs at most this often. */
const DEPTH_CACHE_MS = 5_000;

export function registerMetricSources(services: Services): void {
  const live = services.jobStores.live.collection;
  sources.queueDepth = cached(DEPTH_CACHE_MS, async () => {
    try {
      const records = await live.find({}, { projection: { runAt: 1, lease: 1, parked: 1 } }).toArray();
      const now = Date.now();
      const depth = { due: 0, scheduled: 0, running: 0, waiting: 0 };
      for (const r of records) {
        // Parked: waiting for something outside (a review, a start time), holding no worker.
        if (r.parked) depth.waiting++;
        else if (r.lease !== null) depth.running++;
        else if (r.runAt !== null && r.runAt.getTime() > now) depth.scheduled++;
        else depth.due++;
      }
      return depth;
    } catch {
      return null;
    }
  });
  // webhook_queue holds only deliveries still owed an attempt: counting it reads no history.
  const pending = services.webhooks.repositories.queue.collection;
  sources.webhookDeliveriesPending = cached(DEPTH_CACHE_MS, async () => {
    try {
      return await pending.countDocuments({});
    } catch {
      return null;
    }
  });
  sources.dbPing = async () => {
    const started = performance.now();
    try {
      await services.db.command({ ping: 1 }, { timeoutMS: 2_000 });
      return (performance.now() - started) / 1000;
    } catch {
      return -1;
    }
  };
}
