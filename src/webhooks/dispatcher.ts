/**
 * The worker-side loop that delivers webhooks: every pollMs (and whenever a slot frees or
 * the outbox records something in this process) it leases due deliveries and runs their
 * next attempt, with at most `concurrency` attempts in flight and at most
 * `perEndpointConcurrency` per endpoint, so that one slow or dead endpoint holds a few
 * slots and never the whole dispatcher.
 *
 * Several dispatchers (processes) may run against one database: leases spread the work,
 * attempt claims make sure no attempt number is sent twice (see attempt-runner).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import type { WebhookQueueDoc, WebhookQueueRepository } from '../db/webhooks/index.js';
import type { AttemptRunner } from './attempt-runner.js';
import { EndpointSlots } from './endpoint-slots.js';

export interface WebhookDispatcherOptions {
  /** The live deliveries: the only collection the dispatcher polls. */
  queue: WebhookQueueRepository;
  runner: AttemptRunner;
  /** This dispatcher's id on leases; must be the runner's owner too. */
  owner: string;
  /** Attempts in flight at once (WEBHOOK_CONCURRENCY). */
  concurrency: number;
  /** Attempts in flight at once to one endpoint (WEBHOOK_ENDPOINT_CONCURRENCY). */
  perEndpointConcurrency: number;
  /** How often the database is asked for due deliveries (WEBHOOK_POLL_INTERVAL). */
  pollMs: number;
  /** How long a lease lasts: one attempt's limit plus a margin; then another may take over. */
  leaseMs: number;
  /** How long stop() waits for attempts in flight before aborting them. */
  stopTimeoutMs: number;
  /** Run once by start() before the first poll (e.g. queueing deliveries stored before the queue); a failure is logged. */
  prepare?: () => Promise<void>;
  /** Called after stop() has drained (e.g. to close the HTTP agent). */
  onStopped?: () => Promise<void>;
  logger: Logger;
}

export interface WebhookDispatcher {
  readonly owner: string;
  /** Starts polling; calling it twice does nothing. */
  start(): void;
  /** Looks for due deliveries now rather than at the next poll. */
  wake(): void;
  /**
   * Takes no new attempts, waits up to stopTimeoutMs for those in flight, then aborts the
   * rest (they are recorded as failed and retried on schedule by whoever runs next).
   */
  stop(): Promise<void>;
  /** Attempts in flight now. */
  readonly inFlight: number;
}

export function newDispatcherOwner(): string {
  return `dispatcher-${randomUUID()}`;
}

export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const { queue, runner, logger, owner } = options;
  const slots = new EndpointSlots(options.perEndpointConcurrency);
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  let state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  let timer: NodeJS.Timeout | undefined;
  /** The poll in progress, if any: stop() waits for it, since it may be about to lease. */
  let polling: Promise<void> | null = null;
  let pollAgain = false;
  let stopping: Promise<void> | undefined;

  const isRunning = (): boolean => state === 'running';

  function schedulePoll(delayMs: number): void {
    clearTimeout(timer);
    if (isRunning()) timer = setTimeout(() => poll(true), delayMs);
  }

  /**
   * Due entries from the last scan not taken yet, oldest due first. A freed slot takes the
   * next one from here instead of scanning the queue again; the timer and wake() rescan
   * (new work, or work another dispatcher released). An entry that went stale meanwhile
   * simply fails its lease.
   */
  let candidates: WebhookQueueDoc[] = [];
  /** The last scan filled its page: more may be due than it returned. */
  let moreDue = false;
  let rescan = false;
  const pageSize = options.concurrency * 4;
  /**
   * Wakes come with every delivery the outbox records; scanning the queue at most this
   * often keeps a burst of them from turning into a burst of scans.
   */
  const minRescanMs = Math.min(options.pollMs, 50);
  let lastScanAt = 0;

  function poll(fresh = false): void {
    if (fresh) rescan = true;
    if (!isRunning()) return;
    if (polling) {
      pollAgain = true;
      return;
    }
    polling = (async () => {
      try {
        do {
          pollAgain = false;
          await fillSlots();
        } while (pollAgain && isRunning());
      } catch (error) {
        logger.error({ err: error }, 'webhook dispatcher poll failed; retrying at the next poll');
      } finally {
        polling = null;
        // A rescan held back by minRescanMs runs as soon as it may.
        schedulePoll(rescan ? Math.max(1, lastScanAt + minRescanMs - Date.now()) : options.pollMs);
      }
    })();
  }

  /** Leases due entries until the slots are full or nothing more can be taken now. */
  async function fillSlots(): Promise<void> {
    let scans = 0;
    while (isRunning() && running.size < options.concurrency) {
      const exhausted = candidates.length === 0 && moreDue;
      const mayRescan = Date.now() - lastScanAt >= minRescanMs;
      if ((exhausted || (rescan && mayRescan)) && scans < 2) {
        rescan = false;
        scans += 1;
        lastScanAt = Date.now();
        candidates = await queue.findDue(new Date(lastScanAt), slots.saturated(), pageSize);
        moreDue = candidates.length === pageSize;
      }
      const index = candidates.findIndex((c) => slots.hasRoom(c.endpointId));
      // Nothing startable (none due, or waiting on busy endpoints): wait for a poll or a free slot.
      if (index < 0) return;
      const [candidate] = candidates.splice(index, 1);
      const now = new Date();
      const leased = await queue.lease(candidate!._id, now, new Date(now.getTime() + options.leaseMs), owner);
      if (leased !== null) launch(leased); // else another dispatcher took it
    }
  }

  function launch(entry: WebhookQueueDoc): void {
    slots.take(entry.endpointId);
    const attempt = runner
      .run(entry, abort.signal, isRunning)
      .catch((error: unknown) => {
        // The lease runs out and the delivery is retried; an attempt row left without an
        // outcome is settled as interrupted by the next dispatcher that gets there.
        logger.error({ err: error, deliveryId: entry._id }, 'webhook attempt failed unexpectedly');
      })
      .finally(() => {
        slots.release(entry.endpointId);
        running.delete(attempt);
        poll();
      });
    running.add(attempt);
  }

  return {
    owner,
    get inFlight() {
      return running.size;
    },
    start() {
      if (state !== 'idle') return;
      state = 'running';
      const prepared = options.prepare?.().catch((error: unknown) => {
        logger.error({ err: error }, 'webhook dispatcher preparation failed; polling anyway');
      });
      void (prepared ?? Promise.resolve()).then(() => poll(true));
    },
    wake: () => poll(true),
    stop() {
      // Every caller waits for the same drain.
      stopping ??= drain();
      return stopping;
    },
  };

  /** Takes no new attempts, waits for those in flight (bounded), then aborts the rest. */
  async function drain(): Promise<void> {
    state = 'stopping';
    clearTimeout(timer);
    const drained = await waitAll(running, options.stopTimeoutMs);
    if (!drained) {
      logger.warn({ inFlight: running.size }, 'webhook dispatcher: aborting attempts still in flight');
      abort.abort();
      await waitAll(running, 5_000);
    }
    // A poll in progress may be between its query and its leases: let it finish (it
    // launches nothing more, the runner refuses to start once we are stopping).
    await polling;
    await waitAll(running, options.stopTimeoutMs);
    state = 'stopped';
    await options.onStopped?.();
  }
}

/** True when every promise settled within timeoutMs. */
async function waitAll(promises: ReadonlySet<Promise<void>>, timeoutMs: number): Promise<boolean> {
  if (promises.size === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([Promise.allSettled([...promises]).then(() => true as const), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
