/**
 * createSchedule, schedules, pauseSchedule, resumeSchedule, deleteSchedule: recurring
 * schedules of one tenant. A schedule's job is checked like a submission when it is created
 * (errors name `input.job.…`), stored as it was given, and submitted on every tick by a worker
 * (src/jobs/schedules). Every change of a schedule holds its lock, as its ticks do, so
 * nothing is submitted after a pause or a delete has returned.
 */
import { randomUUID } from 'node:crypto';
import type { ScheduleDoc } from '../../db/jobs/index.js';
import { AppError, badInput, ErrorCode, notFound } from '../../errors/index.js';
import { checkCron, nextTick, scheduleTimerId, setTickTimer } from '../schedules/index.js';
import type { JobsDomain } from './domain.js';
import { prepareJob, type SubmitJobRequest } from './submit.js';

export interface CreateScheduleRequest {
  name: string;
  cron: string;
  /** IANA time zone; default UTC. */
  timezone?: string | null;
  job: SubmitJobRequest;
}

const MAX_NAME = 200;
/** A schedule's job fields it sets itself, per tick. */
const SET_BY_SCHEDULE = ['idempotencyKey', 'runAt'] as const;

export async function createSchedule(d: JobsDomain, tenantId: string, req: CreateScheduleRequest): Promise<ScheduleDoc> {
  const name = req.name.trim();
  if (name.length === 0 || name.length > MAX_NAME) throw badInput(['input', 'name'], `must be 1 to ${MAX_NAME} characters`);
  const timezone = req.timezone ?? 'UTC';
  const cronProblem = checkCron(req.cron, timezone);
  if (cronProblem) throw badInput(['input', cronProblem.field], cronProblem.problem);
  for (const field of SET_BY_SCHEDULE) {
    if (req.job[field] !== undefined && req.job[field] !== null) throw badInput(['input', 'job', field], 'is set by the schedule for each tick; leave it out');
  }
  await checkJobTemplate(d, tenantId, req.job);
  const now = new Date();
  const doc: ScheduleDoc = {
    _id: `sch_${randomUUID().replaceAll('-', '')}`,
    tenantId,
    name,
    cron: req.cron.trim(),
    timezone,
    status: 'ACTIVE',
    job: JSON.stringify(templateOf(req.job)),
    nextRunAt: nextTick(req.cron, timezone, now),
    lastRunAt: null,
    recentJobIds: [],
    lastError: null,
    createdAt: now,
    updatedAt: now,
  };
  const { schedules } = d.stores;
  await schedules.withTenant(tenantId, async () => {
    const ids = await schedules.idsOf(tenantId);
    if (ids.length >= d.maxSchedulesPerTenant) {
      throw new AppError(ErrorCode.RATE_LIMITED, `this tenant has ${ids.length} schedules, SCHEDULES_MAX_PER_TENANT (${d.maxSchedulesPerTenant}); delete one first`);
    }
    // The schedule, then its first tick, then the list: a crash in between leaves an unlisted schedule, never a listed one that does not tick.
    await schedules.insert(doc);
    await setTickTimer(d.timers, doc, doc.nextRunAt!);
    await schedules.setIds(tenantId, [...ids, doc._id]);
  });
  return doc;
}

/** The tenant's schedules, oldest first: one lookup for the list, one per schedule. */
export async function listSchedules(d: JobsDomain, tenantId: string): Promise<ScheduleDoc[]> {
  const ids = await d.stores.schedules.idsOf(tenantId);
  const docs = await Promise.all(ids.map((id) => d.stores.schedules.findForTenant(tenantId, id)));
  return docs.filter((s): s is ScheduleDoc => s !== null);
}

export async function pauseSchedule(d: JobsDomain, tenantId: string, id: string): Promise<ScheduleDoc> {
  return changeSchedule(d, tenantId, id, async (s) => {
    if (s.status === 'PAUSED') return s;
    if (s.nextRunAt) await d.timers.clear(scheduleTimerId(s._id, s.nextRunAt));
    return { ...s, status: 'PAUSED', nextRunAt: null };
  });
}

/** Resumes from now on: ticks missed while paused are not made up. */
export async function resumeSchedule(d: JobsDomain, tenantId: string, id: string): Promise<ScheduleDoc> {
  return changeSchedule(d, tenantId, id, async (s) => {
    if (s.status === 'ACTIVE') return s;
    const next = nextTick(s.cron, s.timezone, new Date());
    await setTickTimer(d.timers, s, next);
    return { ...s, status: 'ACTIVE', nextRunAt: next };
  });
}

export async function deleteSchedule(d: JobsDomain, tenantId: string, id: string): Promise<boolean> {
  const { schedules } = d.stores;
  const deleted = await schedules.withSchedule(id, async () => {
    const s = await schedules.findForTenant(tenantId, id);
    if (!s) return false;
    await schedules.delete(id);
    if (s.nextRunAt) await d.timers.clear(scheduleTimerId(s._id, s.nextRunAt));
    return true;
  });
  if (!deleted) throw notFound('schedule', id);
  await schedules.withTenant(tenantId, async () => schedules.setIds(tenantId, (await schedules.idsOf(tenantId)).filter((s) => s !== id)));
  return true;
}

/** Applies `change` to the tenant's schedule under its lock and stores what it returns. */
async function changeSchedule(d: JobsDomain, tenantId: string, id: string, change: (s: ScheduleDoc) => Promise<ScheduleDoc>): Promise<ScheduleDoc> {
  const { schedules } = d.stores;
  const changed = await schedules.withSchedule(id, async () => {
    const s = await schedules.findForTenant(tenantId, id);
    if (!s) return null;
    const next = await change(s);
    if (next !== s) await schedules.update(id, { status: next.status, nextRunAt: next.nextRunAt });
    return next;
  });
  if (!changed) throw notFound('schedule', id);
  return changed;
}

/** The job is checked like a submission; its errors name `input.job.…`. */
async function checkJobTemplate(d: JobsDomain, tenantId: string, job: SubmitJobRequest): Promise<void> {
  if (job.batchDeadline !== null && job.batchDeadline !== undefined) {
    throw badInput(['input', 'job', 'batchDeadline'], "a schedule's jobs take no fixed deadline: each tick's BATCH job gets AI_BATCH_DEADLINE after it is submitted");
  }
  try {
    await prepareJob(d, tenantId, job);
  } catch (err) {
    if (err instanceof AppError && err.path?.[0] === 'input') throw new AppError(err.code, err.message.replace(/^input\./, 'input.job.'), ['input', 'job', ...err.path.slice(1)]);
    throw err;
  }
}

/** What each tick submits: the fields of the request as given, without request-bound ones. */
function templateOf(job: SubmitJobRequest): Record<string, unknown> {
  const { deadline: _deadline, requestId: _requestId, idempotencyKey: _key, runAt: _runAt, scheduleId: _scheduleId, batchDeadline: _batchDeadline, ...rest } = job;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined && v !== null));
}
