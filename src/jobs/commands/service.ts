/**
 * The jobs domain as resolvers see it: every call is scoped to a tenant, and another
 * tenant's job or batch behaves exactly like one that does not exist.
 */
import type { BatchDoc, JobDoc, JobEventDoc, JobFields, JobStatusValue, UsageDoc, JobListFilter } from '../../db/jobs/index.js';
import { decodeCursor, encodeCursor, type Page, type PagePosition } from '../../db/page-cursor.js';
import { badInput, notFound } from '../../errors/index.js';
import { batchCounts, batchStatus, type BatchView } from '../lifecycle/index.js';
import { cancelBatch, cancelJob, retryJob, type AnswerDeadline } from './cancel-retry.js';
import { analyzeDocuments, submitJob, type AnalyzeDocumentsRequest, type SubmitJobRequest } from './submit.js';
import type { TenantBudgetView } from '../ai-control/index.js';
import type { JobsDomain } from './domain.js';
import type { Pipeline } from '../pipelines/index.js';
import { noteBatch, noteJob, traceSubmission } from '../../tracing/index.js';
import { reviewByLink, reviewJob, type ReviewAnswerInput, type Reviewer } from './review-job.js';
import type { ScheduleDoc, StepReviewDoc } from '../../db/jobs/index.js';
import { createSchedule, deleteSchedule, listSchedules, pauseSchedule, resumeSchedule, updateSchedule, type CreateScheduleRequest, type UpdateScheduleRequest } from './schedule-commands.js';

export const MAX_PAGE_SIZE = 100;
/** `Job.events(limit)`: its default and largest value. */
export const DEFAULT_EVENTS_PAGE = 100;
export const MAX_EVENTS_PAGE = 1000;

export class JobService {
  constructor(readonly domain: JobsDomain) {}

  /** Each submission is a span of the request's trace; its context is stored with the job. */
  submit(tenantId: string, req: SubmitJobRequest): Promise<JobDoc> {
    return traceSubmission('submitJob', tenantId, async (span) => {
      const job = await submitJob(this.domain, tenantId, req);
      noteJob(span, job);
      return job;
    });
  }

  /** A schedule's tick (src/jobs/schedules): its job template with the tick's idempotency key. */
  submitFromSchedule(tenantId: string, request: Record<string, unknown>): Promise<JobDoc> {
    return submitJob(this.domain, tenantId, request as unknown as SubmitJobRequest);
  }

  createSchedule(tenantId: string, req: CreateScheduleRequest): Promise<ScheduleDoc> {
    return createSchedule(this.domain, tenantId, req);
  }

  schedules(tenantId: string): Promise<ScheduleDoc[]> {
    return listSchedules(this.domain, tenantId);
  }

  getSchedule(tenantId: string, id: string): Promise<ScheduleDoc | null> {
    return this.domain.stores.schedules.findForTenant(tenantId, id);
  }

  updateSchedule(tenantId: string, id: string, req: UpdateScheduleRequest): Promise<ScheduleDoc> {
    return updateSchedule(this.domain, tenantId, id, req);
  }

  pauseSchedule(tenantId: string, id: string): Promise<ScheduleDoc> {
    return pauseSchedule(this.domain, tenantId, id);
  }

  resumeSchedule(tenantId: string, id: string): Promise<ScheduleDoc> {
    return resumeSchedule(this.domain, tenantId, id);
  }

  deleteSchedule(tenantId: string, id: string): Promise<boolean> {
    return deleteSchedule(this.domain, tenantId, id);
  }

  analyzeDocuments(tenantId: string, req: AnalyzeDocumentsRequest): Promise<BatchView> {
    return traceSubmission('analyzeDocuments', tenantId, async (span) => {
      const batch = await analyzeDocuments(this.domain, tenantId, req);
      noteBatch(span, batch._id);
      return this.view(batch);
    });
  }

  cancel(tenantId: string, jobId: string): Promise<JobDoc> {
    return cancelJob(this.domain, tenantId, jobId);
  }

  /** A retry asked an hour later is a span of its own request, linked to the job's trace (which its run continues). */
  retry(tenantId: string, jobId: string): Promise<JobDoc> {
    return traceSubmission('retryJob', tenantId, async (span) => {
      const job = await retryJob(this.domain, tenantId, jobId);
      noteJob(span, job);
      return job;
    });
  }

  /** Answers a step's review (reviewJob); see review-job.ts. */
  review(tenantId: string, input: ReviewAnswerInput, reviewer: Exclude<Reviewer, { via: 'CALLBACK' }>): Promise<JobDoc> {
    return reviewJob(this.domain, tenantId, input, reviewer);
  }

  /** Answers the review a callback URL's token names; the body is the parsed JSON `{ decision, output?, comment? }`. */
  reviewByLink(token: string, body: unknown): Promise<JobDoc> {
    return reviewByLink(this.domain, token, body);
  }

  /** The one-time URL that answers this review of the job's step without an API key. */
  reviewCallbackUrl(jobId: string, step: string, review: StepReviewDoc): string {
    return this.domain.reviews.callbackUrl(jobId, step, review);
  }

  async cancelBatch(tenantId: string, batchId: string, deadline?: AnswerDeadline | null): Promise<BatchView> {
    return this.view(await cancelBatch(this.domain, tenantId, batchId, deadline));
  }

  getJob(tenantId: string, id: string): Promise<JobDoc | null> {
    return this.domain.stores.jobs.findForTenant(tenantId, id);
  }

  /** A page of the tenant's jobs from the list index (docs/lists.md); with `fields`, each job holds only those. */
  listJobs(tenantId: string, filter: JobListFilter, first: number | null | undefined, after: string | null | undefined, fields?: JobFields): Promise<Page<JobDoc>> {
    return this.domain.stores.jobs.list(tenantId, filter, pageSize(first), position(after), fields);
  }

  async getBatch(tenantId: string, id: string): Promise<BatchView | null> {
    const doc = await this.domain.stores.batches.findForTenant(tenantId, id);
    return doc ? this.view(doc) : null;
  }

  async listBatches(tenantId: string, first: number | null | undefined, after: string | null | undefined): Promise<Page<BatchView>> {
    const page = await this.domain.stores.batches.list(tenantId, pageSize(first), position(after));
    return { ...page, items: await Promise.all(page.items.map((b) => this.view(b))) };
  }

  batchJobs(tenantId: string, batchId: string, status: JobStatusValue | null | undefined, first: number | null | undefined, after: string | null | undefined, fields?: JobFields): Promise<Page<JobDoc>> {
    return this.listJobs(tenantId, { batchId, ...(status ? { status: [status] } : {}) }, first, after, fields);
  }

  /** From the stored sums (src/db/usage-totals.repository.ts), not a scan of the batch's jobs. */
  batchUsage(batchId: string): Promise<UsageDoc> {
    return this.domain.stores.usage.total('batch', batchId);
  }

  tenantUsage(tenantId: string): Promise<UsageDoc> {
    return this.domain.stores.usage.total('tenant', tenantId);
  }

  /** Up to `limit` of the job's events after `afterSequence`; NOT_FOUND for another tenant's job. */
  async events(tenantId: string, jobId: string, afterSequence: number | null | undefined, limit?: number | null): Promise<JobEventDoc[]> {
    const n = limit ?? DEFAULT_EVENTS_PAGE;
    if (!Number.isInteger(n) || n < 1 || n > MAX_EVENTS_PAGE) throw badInput(['limit'], `must be from 1 to ${MAX_EVENTS_PAGE}`);
    const job = await this.getJob(tenantId, jobId);
    if (!job) throw notFound('job', jobId);
    return this.domain.stores.events.listForJob(jobId, afterSequence ?? 0, n);
  }

  kinds(): Pipeline<unknown>[] {
    return this.domain.kinds.all();
  }

  /** The models a job may ask for. */
  models(): readonly string[] {
    return this.domain.models?.models ?? [];
  }

  /** The tenant's monthly budget, spent this month and left (no budget: monthlyUsd null). */
  tenantBudget(tenantId: string): Promise<TenantBudgetView | null> {
    return this.domain.tenantBudgets ? this.domain.tenantBudgets.view(tenantId) : Promise.resolve(null);
  }

  private async view(doc: BatchDoc): Promise<BatchView> {
    const counts = await batchCounts(this.domain.stores, doc);
    return { doc, counts, status: batchStatus(doc, counts) };
  }
}

export { encodeCursor };

function pageSize(first: number | null | undefined): number {
  const n = first ?? 20;
  if (!Number.isInteger(n) || n < 0 || n > MAX_PAGE_SIZE) throw badInput(['first'], `must be from 0 to ${MAX_PAGE_SIZE}`);
  return n;
}

function position(after: string | null | undefined): PagePosition | undefined {
  if (after === null || after === undefined || after === '') return undefined;
  const p = decodeCursor(after);
  if (!p) throw badInput(['after'], 'is not a cursor returned by this API');
  return p;
}
