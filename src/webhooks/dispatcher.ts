/**
 * The worker-side loop that delivers webhooks. It finds due deliveries (a poll of the queue
 * every pollMs, on a wake, when a page runs out; or handed over by the outbox of its own
 * process, which needs no poll at all), claims their next attempts in batches, sends them,
 * and has their outcomes written in batches. Its slots bound the requests out: in all
 * (`concurrency`), per endpoint and per tenant, so that one slow or dead endpoint holds a few
 * slots, one tenant's many dead endpoints hold at most that tenant's share, and the other
 * tenants always find room.
 *
 * Several dispatchers (processes) may run against one database: the attempt claims (see
 * attempt-claims) make sure no attempt number is sent twice; each dispatcher remembers what
 * it has in hand and what it found claimed elsewhere, so that its polls skip them.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import type { WebhookDeliveryDoc, WebhookQueueDoc, WebhookQueueRepository } from '../db/webhooks/index.js';
import type { AttemptClaims, ClaimCandidate, ClaimedAttempt } from './attempt-claims.js';
import type { AttemptRunner } from './attempt-runner.js';
import { DispatchSlots, type SlotHolder } from './dispatch-slots.js';
import type { EndpointHealth } from './endpoint-health.js';
import type { SettlementWriter } from './settlement-writer.js';

export interface WebhookDispatcherOptions {
  /** The live deliveries: the only collection the dispatcher polls. */
  queue: WebhookQueueRepository;
  claims: AttemptClaims;
  runner: AttemptRunner;
  writer: SettlementWriter;
  health: EndpointHealth;
  /** This dispatcher's id; must be the claims' owner too. */
  owner: string;
  /** Attempts in flight at once (WEBHOOK_CONCURRENCY). */
  concurrency: number;
  /** Attempts in flight at once to one endpoint (WEBHOOK_ENDPOINT_CONCURRENCY). */
  perEndpointConcurrency: number;
  /** Attempts in flight at once for one tenant (WEBHOOK_TENANT_CONCURRENCY). */
  perTenantConcurrency: number;
  /** How often the database is asked for due deliveries (WEBHOOK_POLL_INTERVAL). */
  pollMs: number;
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
   * Takes deliveries the outbox of this process just recorded and queued, so that those due
   * now start without a poll and without reading them back. Bounded: what does not fit is
   * left to the next poll.
   */
  offer(deliveries: readonly WebhookDeliveryDoc[]): void;
  /**
   * Takes no new attempts, waits up to stopTimeoutMs for those in flight, then aborts the
   * rest (they are recorded as failed and retried on schedule by whoever runs next).
   */
  stop(): Promise<void>;
  /** Attempts in hand now (being claimed or out on the wire). */
  readonly inFlight: number;
}

export function newDispatcherOwner(): string {
  return `dispatcher-${randomUUID()}`;
}

/** How much handed-over payload a dispatcher holds at most; the rest is read back when its turn comes. */
const MAX_OFFERED_BYTES = 16 * 1024 * 1024;

/**
 * Whose slots an entry takes. An entry queued before the tenant share has no tenant: it
 * counts as a tenant of its own endpoint until it settles.
 */
function holderOf(entry: WebhookQueueDoc): SlotHolder {
  return { endpointId: entry.endpointId, tenantId: entry.tenantId ?? `endpoint:${entry.endpointId}` };
}

export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const { queue, claims, runner, writer, health, logger, owner } = options;
  const slots = new DispatchSlots({ total: options.concurrency, perEndpoint: options.perEndpointConcurrency, perTenant: options.perTenantConcurrency });
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  let state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  let timer: NodeJS.Timeout | undefined;
  /** The poll in progress, if any: stop() waits for it, since it may be about to claim. */
  let polling: Promise<void> | null = null;
  let pollAgain = false;
  let stopping: Promise<void> | undefined;

  /** Deliveries from being picked until their outcome is written (or they are dropped). */
  const inHand = new Set<string>();
  /** How many may be in hand at once: those out on the wire plus those whose outcome is being written. */
  const maxInHand = options.concurrency * 2;
  /** Deliveries claimed elsewhere (or unsignable now), left alone until the time given (ms). */
  const deferred = new Map<string, number>();
  /** When each delivery left our hands: a poll that began before that saw it as it was. */
  const leftAt = new Map<string, number>();
  /**
   * Due deliveries not taken yet: the last poll's page, oldest due first, then what the
   * outbox handed over. A freed slot takes the next one from here instead of polling again;
   * the timer and wake() poll afresh (new work, or work another dispatcher left).
   */
  let candidates = new Map<string, ClaimCandidate>();
  /** The last poll filled its page: more may be due than it returned. */
  let moreDue = false;
  let rescan = false;
  const pageSize = options.concurrency * 4;
  /** How many candidates may be held in memory with their records (handed over by the outbox). */
  const maxOffered = pageSize * 4;
  /** Wakes come with every delivery recorded; polling at most this often keeps a burst of them from turning into a burst of polls. */
  const minRescanMs = Math.min(options.pollMs, 50);
  let lastScanAt = 0;

  const isRunning = (): boolean => state === 'running';

  function schedulePoll(delayMs: number): void {
    clearTimeout(timer);
    if (isRunning()) timer = setTimeout(() => poll(true), delayMs);
  }

  function poll(fresh = false): void {
    if (fresh) rescan = true;
    if (!isRunning()) return;
    if (polling) {
      pollAgain = true;
      return;
    }
    polling = (async () => {
      // One turn of the event loop first: the answers and records that arrive together then
      // go into one batch of claims instead of one each.
      await new Promise<void>((resolve) => setImmediate(resolve));
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

  /** Claims and launches due attempts until the slots are full or nothing more can be taken now. */
  async function fillSlots(): Promise<void> {
    let scans = 0;
    while (isRunning() && slots.free > 0 && inHand.size < maxInHand) {
      if (rescan && Date.now() - lastScanAt >= minRescanMs && scans < 2) {
        rescan = false;
        scans += 1;
        await scan();
      }
      let picked = pick();
      // The page ran out and more was due: the next page (kept to one poll per minRescanMs).
      if (picked.length === 0 && candidates.size === 0 && moreDue && scans < 2) {
        if (Date.now() - lastScanAt < minRescanMs) {
          rescan = true;
          return;
        }
        scans += 1;
        await scan();
        picked = pick();
      }
      // Nothing startable (none due, or all waiting on busy endpoints or tenants): wait for a poll or a free slot.
      if (picked.length === 0) return;
      await claimAndLaunch(picked);
    }
  }

  /** Reads a page of due entries, leaving out what is in hand, deferred, or has no room. */
  async function scan(): Promise<void> {
    const startedAt = Date.now();
    lastScanAt = startedAt;
    for (const [id, until] of deferred) if (until <= startedAt) deferred.delete(id);
    const fullEndpoints = new Set(slots.fullEndpoints());
    const fullTenants = new Set(slots.fullTenants());
    const found = await queue.findDue(
      new Date(startedAt),
      { ids: [...inHand, ...deferred.keys()], endpointIds: [...fullEndpoints], tenantIds: [...fullTenants] },
      pageSize,
    );
    moreDue = found.length === pageSize;
    const next = new Map<string, ClaimCandidate>();
    for (const entry of found) {
      const left = leftAt.get(entry._id);
      // Settled while the query ran, or taken meanwhile: the page shows it as it was.
      if ((left !== undefined && left >= startedAt) || inHand.has(entry._id)) continue;
      next.set(entry._id, candidates.get(entry._id) ?? { entry });
    }
    // What the page could not show stays, after it: records handed over since, and entries
    // of the endpoints and tenants it left out for being busy (they take the next free slot).
    for (const [id, c] of candidates) {
      const holder = holderOf(c.entry);
      if (next.has(id) || next.size >= 2 * pageSize) continue;
      if (c.delivery || fullEndpoints.has(holder.endpointId) || fullTenants.has(holder.tenantId)) next.set(id, c);
    }
    candidates = next;
    // No later poll can begin before this one did.
    for (const [id, at] of leftAt) if (at < startedAt) leftAt.delete(id);
  }

  /** Takes slots for as many candidates as fit, oldest due first. */
  function pick(): Array<{ candidate: ClaimCandidate; holder: SlotHolder }> {
    const now = Date.now();
    const picked: Array<{ candidate: ClaimCandidate; holder: SlotHolder }> = [];
    for (const [id, candidate] of candidates) {
      if (slots.free === 0 || inHand.size >= maxInHand) break;
      if (inHand.has(id) || (deferred.get(id) ?? 0) > now) {
        candidates.delete(id);
        continue;
      }
      const holder = holderOf(candidate.entry);
      if (candidate.entry.dueAt.getTime() > now || !slots.hasRoom(holder)) continue;
      slots.take(holder);
      inHand.add(id);
      candidates.delete(id);
      picked.push({ candidate, holder });
    }
    return picked;
  }

  async function claimAndLaunch(picked: ReadonlyArray<{ candidate: ClaimCandidate; holder: SlotHolder }>): Promise<void> {
    let claimed: Map<string, ClaimedAttempt>;
    try {
      const batch = await claims.claim(picked.map((p) => p.candidate), isRunning);
      for (const [id, until] of batch.deferred) deferred.set(id, until.getTime());
      claimed = new Map(batch.claimed.map((c) => [c.delivery._id, c]));
    } catch (error) {
      // They stay queued: the next poll finds them again.
      logger.error({ err: error }, 'webhook dispatcher could not claim attempts; retrying at the next poll');
      claimed = new Map();
    }
    for (const { candidate, holder } of picked) {
      const attempt = claimed.get(candidate.entry._id);
      if (attempt) launch(attempt, holder);
      else {
        slots.release(holder);
        leaveHand(candidate.entry._id);
      }
    }
  }

  function leaveHand(id: string): void {
    inHand.delete(id);
    leftAt.set(id, Date.now());
  }

  /** Sends one claimed attempt; its slot frees when the answer is in, its hand once the outcome is written. */
  function launch(claimed: ClaimedAttempt, holder: SlotHolder): void {
    let holding = true;
    const freeSlot = (): void => {
      if (!holding) return;
      holding = false;
      slots.release(holder);
      poll();
    };
    const attempt = (async () => {
      const row = await runner.send(claimed, abort.signal);
      freeSlot();
      await writer.record(row, claimed.delivery);
      if (row.ok) await health.recordSuccess(claimed.endpoint);
      // An attempt we aborted ourselves (shutdown) says nothing about the endpoint.
      else if (!abort.signal.aborted) await health.recordFailure(claimed.endpoint, row.finishedAt ?? new Date(), row.statusCode);
    })()
      .catch((error: unknown) => {
        // The attempt row stays without an outcome: the next dispatcher to get there settles
        // it as interrupted once its owner would have given up, and the schedule goes on.
        logger.error({ err: error, deliveryId: claimed.delivery._id }, 'webhook attempt failed unexpectedly');
      })
      .finally(() => {
        freeSlot();
        leaveHand(claimed.delivery._id);
        running.delete(attempt);
        poll();
      });
    running.add(attempt);
  }

  return {
    owner,
    get inFlight() {
      return slots.used;
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
    offer(deliveries) {
      const now = Date.now();
      let held = 0;
      for (const c of candidates.values()) held += c.delivery?.payload.length ?? 0;
      for (const d of deliveries) {
        held += d.payload.length;
        if (candidates.size >= maxOffered || held > MAX_OFFERED_BYTES) {
          moreDue = true;
          break;
        }
        const dueAt = d.nextAttemptAt ?? new Date(now);
        // Not due yet (a first delay in WEBHOOK_RETRY_SCHEDULE): a poll finds it when it is.
        if (d.status !== 'PENDING' || dueAt.getTime() > now || inHand.has(d._id) || candidates.has(d._id)) continue;
        candidates.set(d._id, { entry: { _id: d._id, endpointId: d.endpointId, tenantId: d.tenantId, dueAt }, delivery: d });
      }
      poll();
    },
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
    // A poll in progress may be between its query and its claims: let it finish (it claims
    // nothing more once we are stopping, and what it claimed is sent and recorded).
    await polling;
    await waitAll(running, options.stopTimeoutMs);
    await writer.idle();
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
