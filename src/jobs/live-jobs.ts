/**
 * The live views behind the GraphQL subscriptions, built on the process's one EventFeed.
 * Ownership is checked before anything is streamed: another tenant's job or batch is
 * NOT_FOUND, exactly like a missing one.
 */
import type { JobEventDoc, JobEventTypeValue } from '../db/job-docs.js';
import { notFound } from '../errors/index.js';
import { unfinishedCount } from './batch-settlement.js';
import type { EventFeed } from './event-feed.js';
import { jobEventStream } from './job-event-stream.js';
import type { BatchView, JobService } from './job-service.js';

/** Event types after which a job's status differs: what moves a batch's counts. */
const STATUS_CHANGES = new Set<JobEventTypeValue>(['QUEUED', 'STARTED', 'RETRY_SCHEDULED', 'SUCCEEDED', 'FAILED', 'CANCELLED']);

export class LiveJobs {
  constructor(private readonly jobs: JobService, private readonly feed: EventFeed) {}

  async jobEvents(tenantId: string, jobId: string, afterSequence?: number | null): Promise<AsyncIterable<JobEventDoc>> {
    if (!(await this.jobs.getJob(tenantId, jobId))) throw notFound('job', jobId);
    return jobEventStream({ feed: this.feed, events: this.feed.events, jobId, afterSequence: afterSequence ?? 0 });
  }

  tenantJobEvents(tenantId: string): AsyncIterable<JobEventDoc> {
    return this.feed.subscribe({ tenantId });
  }

  /** The batch now, then again each time one of its jobs changes status; ends once all finished. */
  async batchProgress(tenantId: string, batchId: string): Promise<AsyncIterable<BatchView>> {
    // Subscribe before the first read so that no change in between is missed.
    const live = this.feed.subscribe({ batchId, tenantId });
    const first = await this.jobs.getBatch(tenantId, batchId);
    if (!first) {
      live.close();
      throw notFound('batch', batchId);
    }
    const jobs = this.jobs;
    async function* stream(): AsyncGenerator<BatchView> {
      try {
        let last = first!;
        yield last;
        if (unfinishedCount(last.counts) === 0) return;
        for await (const event of live) {
          if (!STATUS_CHANGES.has(event.type)) continue;
          const view = await jobs.getBatch(tenantId, batchId);
          if (!view || sameCounts(view, last)) continue;
          last = view;
          yield view;
          if (unfinishedCount(view.counts) === 0) return;
        }
      } finally {
        live.close();
      }
    }
    return stream();
  }
}

function sameCounts(a: BatchView, b: BatchView): boolean {
  return a.status === b.status && (Object.keys(a.counts) as Array<keyof BatchView['counts']>).every((k) => a.counts[k] === b.counts[k]);
}
