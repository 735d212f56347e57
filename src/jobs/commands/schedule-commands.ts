/**
 * createSchedule, schedules, updateSchedule, pauseSchedule, resumeSchedule, deleteSchedule:
 * recurring schedules of one tenant. A schedule's job is checked like a submission when it is
 * created or replaced (errors name `input.job.…`), stored as it was given, and submitted on
 * every tick by a worker (src/jobs/schedules). Every change of a schedule holds its lock, as
 * its ticks do, so nothing is submitted after a pause or a delete has returned, and a change
 * and a tick never write over each other (FerretDB rewrites the whole document it read).
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

/** updateSchedule's fields: each one given replaces the schedule's; absent (or null) ones stay. */
export interface UpdateScheduleRequest {
  name?: string | null;
  cron?: string | null;
  timezone?: string | null;
  /** Replaces the job each tick submits, as a whole. */
  job?: SubmitJobRequest | null;
}

const MAX_NAME = 200;
/** A schedule's job fields it sets itself, per tick. */
const SET_BY_SCHEDULE = ['idempotencyKey', 'runAt'] as const;
const UPDATABLE = ['name', 'cron', 'timezone', 'job'] as const;

export async function createSchedule(d: JobsDomain, tenantId: string, req: CreateScheduleRequest): Promise<ScheduleDoc> {
  const name = checkName(req.name);
  const timezone = req.timezone ?? 'UTC';
  checkCronInput(req.cron, timezone);
  const job = await checkJob(d, tenantId, req.job);
  const now = new Date();
  const doc: ScheduleDoc = {
    _id: `sch_${randomUUID().replaceAll('-', '')}`,
    tenantId,
    name,
    cron: req.cron.trim(),
    timezone,
    status: 'ACTIVE',
    job,
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

/**
 * Changes what was given, in place: the id, the status, the recent jobs and the jobs' link
 * stay. A new cron or time zone makes the next tick the first one of the new expression after
 * now (and after the last tick submitted, so a tick that ran is never due again; its key
 * `schedule:<id>:<tick>` would return the job it made anyway). A tick already due and not yet
 * fired is kept: it had come before the change, and fires once, submitting the new job, then
 * follows the new expression. A new job alone keeps the next tick. A paused schedule stays paused.
 */
export async function updateSchedule(d: JobsDomain, tenantId: string, id: string, req: UpdateScheduleRequest): Promise<ScheduleDoc> {
  if (!UPDATABLE.some((field) => req[field] !== undefined && req[field] !== null)) {
    throw badInput(['input'], `changes nothing; give at least one of ${UPDATABLE.join(', ')}`);
  }
  const name = req.name === undefined || req.name === null ? undefined : checkName(req.name);
  const job = req.job === undefined || req.job === null ? undefined : await checkJob(d, tenantId, req.job);
  return changeSchedule(d, tenantId, id, (s) => {
    const cron = req.cron?.trim() ?? s.cron;
    const timezone = req.timezone ?? s.timezone;
    // Before anything is written: a refused update leaves the schedule as it was.
    checkCronInput(cron, timezone);
    const set: Partial<ScheduleDoc> = { name, cron, timezone, job };
    const tickDue = s.nextRunAt !== null && s.nextRunAt.getTime() <= Date.now();
    if (s.status === 'ACTIVE' && !tickDue && (cron !== s.cron || timezone !== s.timezone)) {
      set.nextRunAt = nextTick(cron, timezone, new Date(Math.max(Date.now(), s.lastRunAt?.getTime() ?? 0)));
    }
    return set;
  });
}

export async function pauseSchedule(d: JobsDomain, tenantId: string, id: string): Promise<ScheduleDoc> {
  return changeSchedule(d, tenantId, id, (s) => (s.status === 'PAUSED' ? null : { status: 'PAUSED', nextRunAt: null }));
}

/** Resumes from now on: ticks missed while paused are not made up. */
export async function resumeSchedule(d: JobsDomain, tenantId: string, id: string): Promise<ScheduleDoc> {
  return changeSchedule(d, tenantId, id, (s) => (s.status === 'ACTIVE' ? null : { status: 'ACTIVE', nextRunAt: nextTick(s.cron, s.timezone, new Date()) }));
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

/**
 * Applies `change` (the fields to write, undefined ones left alone; null: nothing to change)
 * to the tenant's schedule under its lock, and moves its tick timer when `nextRunAt` changed:
 * the new tick's timer is set before the document names it and the old one cleared after, so
 * a crash in between leaves a timer that finds the schedule past it (and does nothing), never
 * a schedule waiting for a timer that is gone.
 */
async function changeSchedule(d: JobsDomain, tenantId: string, id: string, change: (s: ScheduleDoc) => Partial<ScheduleDoc> | null): Promise<ScheduleDoc> {
  const { schedules } = d.stores;
  const changed = await schedules.withSchedule(id, async () => {
    const s = await schedules.findForTenant(tenantId, id);
    if (!s) return null;
    const asked = change(s);
    if (!asked) return s;
    const set: Partial<ScheduleDoc> = { ...Object.fromEntries(Object.entries(asked).filter(([, v]) => v !== undefined)), updatedAt: new Date() };
    const next: ScheduleDoc = { ...s, ...set };
    const moved = next.nextRunAt?.getTime() !== s.nextRunAt?.getTime();
    if (moved && next.nextRunAt) await setTickTimer(d.timers, s, next.nextRunAt);
    await schedules.update(id, set);
    if (moved && s.nextRunAt) await d.timers.clear(scheduleTimerId(id, s.nextRunAt));
    return next;
  });
  if (!changed) throw notFound('schedule', id);
  return changed;
}

function checkName(given: string): string {
  const name = given.trim();
  if (name.length === 0 || name.length > MAX_NAME) throw badInput(['input', 'name'], `must be 1 to ${MAX_NAME} characters`);
  return name;
}

function checkCronInput(cron: string, timezone: string): void {
  const problem = checkCron(cron, timezone);
  if (problem) throw badInput(['input', problem.field], problem.problem);
}

/** Checks a schedule's job like a submission (errors name `input.job.…`); returns what each tick submits, as JSON. */
async function checkJob(d: JobsDomain, tenantId: string, job: SubmitJobRequest): Promise<string> {
  for (const field of SET_BY_SCHEDULE) {
    if (job[field] !== undefined && job[field] !== null) throw badInput(['input', 'job', field], 'is set by the schedule for each tick; leave it out');
  }
  await checkJobTemplate(d, tenantId, job);
  return JSON.stringify(templateOf(job));
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
