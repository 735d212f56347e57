/**
 * Wake-ups for workers, with Agenda inside: nothing outside this file knows Agenda's
 * records or fields. A wake-up carries only a job id and decides nothing: the job's live
 * record says whether and when it runs and who holds it (lease.ts). So a duplicate or
 * early wake-up is harmless (the runner finds nothing to do), and a lost one is replaced
 * by the lost-work sweep through `ensureWakeUps`.
 */
import { Agenda } from 'agenda';
import { MongoBackend, MongoChangeStreamNotificationChannel } from '@agendajs/mongo-backend';
import type { Db } from 'mongodb';

const RUN_JOB = 'ai-job.run';
export const AGENDA_COLLECTION = 'agenda_jobs';

interface RunJobData {
  jobId: string;
}

export interface QueueOptions {
  /** How often this process looks for due wake-ups (JOB_POLL_INTERVAL). @default 500 ms */
  pollMs: number;
  /** Jobs one worker runs at once (WORKER_CONCURRENCY). @default 4 */
  concurrency: number;
  /**
   * How long a wake-up taken by a worker stays locked. Past it another worker may take
   * the same wake-up: harmless, it finds the job's lease held. @default JOB_LEASE (30 s)
   */
  lockLifetimeMs: number;
  /** A name for this process in Agenda's records. */
  name: string;
  /**
   * Pick new wake-ups up at once from a change stream on Agenda's collection (replica sets
   * only); polling every `pollMs` still runs beside it. @defaultValue false
   */
  changeStream?: boolean;
}

export class JobQueue {
  private readonly agenda: Agenda;
  private started = false;
  private lastPoll: Date | null = null;

  constructor(
    private readonly db: Db,
    private readonly opts: QueueOptions,
  ) {
    const backend = new MongoBackend({ mongo: db, collection: AGENDA_COLLECTION });
    // Agenda's poll is this lookup: each one that answers is recorded for readiness.
    const repository = backend.repository;
    const lookUp = repository.getNextJobToRun.bind(repository);
    repository.getNextJobToRun = async (...args) => {
      const found = await lookUp(...args);
      this.lastPoll = new Date();
      return found;
    };
    this.agenda = new Agenda({
      backend,
      name: opts.name,
      processEvery: opts.pollMs,
      maxConcurrency: opts.concurrency,
      defaultConcurrency: opts.concurrency,
      // Take no more jobs than we can run, so idle workers get the rest.
      lockLimit: opts.concurrency,
      defaultLockLimit: opts.concurrency,
      defaultLockLifetime: opts.lockLifetimeMs,
      // Keeps Agenda's collection to pending wake-ups only.
      removeOnComplete: true,
      ...(opts.changeStream ? { notificationChannel: new MongoChangeStreamNotificationChannel({ db, collection: AGENDA_COLLECTION }) } : {}),
    });
  }

  /**
   * When this process last looked for due wake-ups and the database answered; null before
   * the first. Agenda does not look while this process runs as many jobs as it may.
   */
  lastPollAt(): Date | null {
    return this.lastPoll;
  }

  /** Wakes a worker for the job at `runAt` (now when omitted). */
  async enqueue(jobId: string, priority: number, runAt: Date = new Date()): Promise<void> {
    await this.agenda.create<RunJobData>(RUN_JOB, { jobId }).priority(priority).schedule(runAt).save();
  }

  /**
   * Wakes a worker now for each of these jobs that has no wake-up pending or taken (one
   * query for all of them). Returns the ids it enqueued.
   */
  async ensureWakeUps(jobs: ReadonlyArray<{ jobId: string; priority: number }>): Promise<string[]> {
    if (jobs.length === 0) return [];
    const pending = await this.db
      .collection(AGENDA_COLLECTION)
      .find(
        { 'data.jobId': { $in: jobs.map((j) => j.jobId) }, $or: [{ nextRunAt: { $ne: null } }, { lockedAt: { $ne: null } }] },
        { projection: { 'data.jobId': 1 } },
      )
      .toArray();
    const known = new Set(pending.map((d) => (d.data as RunJobData).jobId));
    const missing = jobs.filter((j) => !known.has(j.jobId));
    for (const j of missing) await this.enqueue(j.jobId, j.priority);
    return missing.map((j) => j.jobId);
  }

  /** Starts handing due wake-ups to `handler`; the API role never calls this. */
  async start(handler: (jobId: string) => Promise<void>): Promise<void> {
    const { opts } = this;
    await this.db.collection(AGENDA_COLLECTION).createIndex({ 'data.jobId': 1 });
    this.agenda.define<RunJobData>(RUN_JOB, (job) => handler(job.attrs.data.jobId), {
      concurrency: opts.concurrency,
      lockLimit: opts.concurrency,
      lockLifetime: opts.lockLifetimeMs,
    });
    await this.agenda.start();
    this.started = true;
  }

  /**
   * Takes no new wake-ups, waits for `whenIdle` (the caller's own view of its running
   * work), then unlocks wake-ups this process took but had not started, so others take
   * them now. Agenda's own drain is not waited on: with removeOnComplete it can miss the
   * last completion and wait for its whole timeout.
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
