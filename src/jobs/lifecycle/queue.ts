/**
 * Wake-ups for workers, with Agenda inside: nothing outside this file knows Agenda's
 * records or fields. A wake-up carries only a job id and decides nothing: the job's live
 * record says whether and when it runs and who holds it (lease.ts). So a duplicate or
 * early wake-up is harmless (the runner finds nothing to do), and a lost one is replaced
 * by the lost-work sweep through `ensureWakeUps`.
 *
 * A submitted job goes to the backlog (backlog.ts), not to Agenda: each worker's admission
 * loop keeps at most JOB_ADMISSION_WINDOW wake-ups waiting in Agenda, so what Agenda
 * reads on every pick stays small however many jobs wait (docs/queue.md). Wake-ups of
 * jobs that were admitted already (a retry later, a fairness deferral, a release) and of
 * jobs a user retries go to Agenda directly.
 */
import { createHash } from 'node:crypto';
import { Agenda } from 'agenda';
import { MongoBackend, MongoChangeStreamNotificationChannel } from '@agendajs/mongo-backend';
import { type Db, ObjectId } from 'mongodb';
import { isDuplicateKeyError } from '../../db/duplicate-key.js';
import { BacklogRepository, type LiveJobDoc } from '../../db/jobs/index.js';
import { JobBacklog } from './backlog.js';

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
  /**
   * Wake-ups waiting in Agenda (not taken, due within ADMISSION_HORIZON_MS) above which
   * the admission loop admits nothing more (JOB_ADMISSION_WINDOW). @default 2 × concurrency
   */
  admissionWindow?: number;
  /** The job's live record: admission drops a backlog entry whose job runs or is finished. */
  findLive: (jobId: string) => Promise<LiveJobDoc | null>;
}

/**
 * A wake-up due within this long counts against the admission window: a fairness
 * deferral (a second or two) keeps its place, a retry minutes away does not block others.
 */
const ADMISSION_HORIZON_MS = 5_000;

export class JobQueue {
  private readonly agenda: Agenda;
  private started = false;
  private lastPoll: Date | null = null;
  private readonly backlog: JobBacklog;
  private readonly window: number;
  private admitting: Promise<void> | null = null;
  private admitAgain = false;
  private admissionTimer: NodeJS.Timeout | null = null;
  private admissionError: (err: unknown) => void = () => {};

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
    this.window = opts.admissionWindow ?? 2 * opts.concurrency;
    this.backlog = new JobBacklog({ repo: new BacklogRepository(db), findLive: opts.findLive, wake: (entryId, jobId, priority) => this.wakeOnce(entryId, jobId, priority) });
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
   * Queues a submitted job: into its tenant's backlog lane, from which a worker's
   * admission loop hands it to Agenda when there is room.
   */
  async submit(jobId: string, tenantId: string, priority: number): Promise<void> {
    await this.backlog.add(jobId, tenantId, priority);
    this.admitSoon();
  }

  /**
   * One admission pass: moves as many backlog entries into Agenda as the window has room
   * for. Passes in one process never overlap; one asked for meanwhile runs after.
   * Returns the job ids it woke.
   */
  async admit(): Promise<string[]> {
    const pending = await this.db.collection(AGENDA_COLLECTION).countDocuments({
      name: RUN_JOB,
      lockedAt: null,
      nextRunAt: { $ne: null, $lte: new Date(Date.now() + ADMISSION_HORIZON_MS) },
    });
    return this.backlog.admit(this.window - pending);
  }

  /** An admission pass soon (now, or right after the one running); errors go to the loop's handler. */
  private admitSoon(): void {
    if (!this.started) return;
    if (this.admitting) {
      this.admitAgain = true;
      return;
    }
    this.admitting = (async () => {
      try {
        do {
          this.admitAgain = false;
          await this.admit();
        } while (this.admitAgain);
      } catch (err) {
        this.admissionError(err);
      } finally {
        this.admitting = null;
      }
    })();
  }

  /**
   * The wake-up of one backlog entry, under an `_id` derived from the entry: a second
   * admission of the same entry (two workers, or one restarted halfway) inserts nothing.
   */
  private async wakeOnce(entryId: string, jobId: string, priority: number): Promise<boolean> {
    const props = this.agenda.create<RunJobData>(RUN_JOB, { jobId }).priority(priority).schedule(new Date()).toJson(true);
    const _id = new ObjectId(createHash('sha256').update(`backlog:${entryId}`).digest().subarray(0, 12));
    try {
      // The fields Agenda's own insert writes (its saveJob): unset ones as null.
      await this.db.collection(AGENDA_COLLECTION).insertOne({ ...props, _id, lockedAt: null, disabled: null, lastModifiedBy: this.opts.name });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  /**
   * Wakes a worker now for each of these jobs that has no wake-up pending or taken (one
   * query for all of them) and is not waiting its turn in the backlog. Returns the ids
   * it enqueued.
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
    const missing: Array<{ jobId: string; priority: number }> = [];
    for (const j of jobs) if (!known.has(j.jobId) && !(await this.backlog.isWaiting(j.jobId))) missing.push(j);
    for (const j of missing) await this.enqueue(j.jobId, j.priority);
    return missing.map((j) => j.jobId);
  }

  /**
   * Starts handing due wake-ups to `handler`, and admitting backlog entries every poll
   * interval; the API role never calls this. `onAdmissionError` hears a failed pass (the
   * next one tries again).
   */
  async start(handler: (jobId: string) => Promise<void>, onAdmissionError: (err: unknown) => void = () => {}): Promise<void> {
    const { opts } = this;
    await this.db.collection(AGENDA_COLLECTION).createIndex({ 'data.jobId': 1 });
    this.agenda.define<RunJobData>(RUN_JOB, (job) => handler(job.attrs.data.jobId), {
      concurrency: opts.concurrency,
      lockLimit: opts.concurrency,
      lockLifetime: opts.lockLifetimeMs,
    });
    await this.agenda.start();
    this.started = true;
    this.admissionError = onAdmissionError;
    this.admissionTimer = setInterval(() => this.admitSoon(), opts.pollMs);
    this.admissionTimer.unref();
    this.admitSoon();
  }

  /**
   * Takes no new wake-ups, waits for `whenIdle` (the caller's own view of its running
   * work), then unlocks wake-ups this process took but had not started, so others take
   * them now. Agenda's own drain is not waited on: with removeOnComplete it can miss the
   * last completion and wait for its whole timeout.
   */
  async drain(whenIdle: () => Promise<void>): Promise<void> {
    if (!this.started) return;
    if (this.admissionTimer) clearInterval(this.admissionTimer);
    this.started = false;
    await this.admitting;
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
