/**
 * Agenda wiring. An Agenda job carries only `{ jobId }`; the job document holds the rest.
 * Agenda decides *when* and *where* a job runs; it does not decide *who owns* it: its
 * lock is a findAndModify, which FerretDB does not make atomic, so two workers may both
 * pick the same Agenda job. The lease (lease.ts) makes exactly one of them run it.
 */
import { Agenda, type Job as AgendaJob } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import type { Db } from 'mongodb';

export const RUN_JOB = 'ai-job.run';
export const AGENDA_COLLECTION = 'agenda_jobs';

export interface RunJobData {
  jobId: string;
}

export interface QueueOptions {
  /** How often this process looks for due Agenda jobs. */
  pollMs: number;
  /** Jobs one worker runs at once. */
  concurrency: number;
  /** Agenda's lock lifetime; heartbeats (`touch`) keep a running job's lock. */
  lockLifetimeMs: number;
  /** A name for this process in Agenda's records. */
  name: string;
}

export class JobQueue {
  readonly agenda: Agenda;
  private started = false;

  constructor(
    private readonly db: Db,
    private readonly opts: QueueOptions,
  ) {
    this.agenda = new Agenda({
      backend: new MongoBackend({ mongo: db, collection: AGENDA_COLLECTION }),
      name: opts.name,
      processEvery: opts.pollMs,
      maxConcurrency: opts.concurrency,
      defaultConcurrency: opts.concurrency,
      // Take no more jobs than we can run, so idle workers get the rest.
      lockLimit: opts.concurrency,
      defaultLockLimit: opts.concurrency,
      defaultLockLifetime: opts.lockLifetimeMs,
      removeOnComplete: true,
    });
  }

  async ensureIndexes(): Promise<void> {
    await this.db.collection(AGENDA_COLLECTION).createIndex({ 'data.jobId': 1 });
  }

  /** Adds a run of the job at `runAt` (now when omitted). Duplicates are harmless. */
  async enqueue(jobId: string, priority: number, runAt: Date = new Date()): Promise<void> {
    await this.agenda.create<RunJobData>(RUN_JOB, { jobId }).priority(priority).schedule(runAt).save();
  }

  /** True when an Agenda job for this job id is due, scheduled or running. */
  async hasPendingRun(jobId: string): Promise<boolean> {
    const n = await this.db
      .collection(AGENDA_COLLECTION)
      .countDocuments({ 'data.jobId': jobId, $or: [{ nextRunAt: { $ne: null } }, { lockedAt: { $ne: null } }] }, { limit: 1 });
    return n > 0;
  }

  /** Starts processing with `handler`; the API role never calls this. */
  async startProcessing(handler: (jobId: string, agendaJob: AgendaJob<RunJobData>) => Promise<void>): Promise<void> {
    const { opts } = this;
    this.agenda.define<RunJobData>(RUN_JOB, (job) => handler(job.attrs.data.jobId, job), {
      concurrency: opts.concurrency,
      lockLimit: opts.concurrency,
      lockLifetime: opts.lockLifetimeMs,
    });
    await this.agenda.start();
    this.started = true;
  }

  /**
   * Takes no new jobs, waits for `whenIdle` (the caller's own view of its running work),
   * then unlocks jobs this process locked but had not started, so others take them now.
   * Agenda's own drain is not waited on: with removeOnComplete it can miss the last
   * completion and wait for its whole timeout.
   */
  async drain(whenIdle: () => Promise<void>): Promise<void> {
    if (!this.started) return;
    const stopTaking = new AbortController();
    const drained = this.agenda.drain({ signal: stopTaking.signal, closeConnection: false });
    try {
      await whenIdle();
    } finally {
      stopTaking.abort();
      await drained;
      await this.agenda.stop(false);
    }
  }
}
