/**
 * The fleet's batch round, run by one worker at a time every AI_BATCH_POLL_INTERVAL
 * (fleet-round.ts): it finishes sending what an earlier round left half sent, sends the
 * waiting lines that are due in new batch files, then follows every open batch and wakes the
 * jobs of the answered ones. Every worker tries to start the round a few times per interval;
 * one that is not its turn costs three lookups by `_id`.
 */
import { BatchPoller } from './batch-poller.js';
import { BatchSender } from './batch-sender.js';
import { FleetRounds } from './fleet-round.js';
import { type BatchRoundDeps, RoundOvertaken } from './round-deps.js';

export interface BatchRoundsOptions {
  /** This process, on the rounds it holds. */
  owner: string;
  /** JOB_LEASE: a round holder silent this long is taken to be dead. */
  leaseMs: number;
  /** AI_BATCH_POLL_INTERVAL. */
  pollMs: number;
}

export class BatchRounds {
  private readonly rounds: FleetRounds;
  private readonly sender: BatchSender;
  private readonly poller: BatchPoller;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: BatchRoundDeps,
    private readonly opts: BatchRoundsOptions,
  ) {
    this.rounds = new FleetRounds(deps.stores.batchRounds, { owner: opts.owner, leaseMs: opts.leaseMs, everyMs: opts.pollMs, now: deps.now });
    this.sender = new BatchSender(deps);
    this.poller = new BatchPoller(deps);
  }

  /** Runs a round if it is this process's turn; true when it ran one. */
  async tick(): Promise<boolean> {
    const round = await this.rounds.tryStart();
    if (!round) return false;
    const { stores, logger } = this.deps;
    try {
      await this.sender.resume(await stores.providerBatches.open(), round);
      await this.sender.gather(await stores.providerBatches.open(), round);
      await this.poller.poll(await stores.providerBatches.open(), round);
    } catch (err) {
      if (!(err instanceof RoundOvertaken)) throw err;
      logger.warn({ round: round.n }, 'a later batch round started while this one ran; it stopped');
    } finally {
      await round.finish().catch(() => {});
    }
    return true;
  }

  /** Tries a round a few times per interval, never two at once in this process. */
  start(): void {
    if (this.timer) return;
    let busy = false;
    this.timer = setInterval(() => {
      if (busy) return;
      busy = true;
      this.running = this.tick()
        .catch((err: unknown) => this.deps.logger.warn({ err }, 'the batch round failed; the next one tries again'))
        .finally(() => (busy = false));
    }, Math.max(100, Math.floor(this.opts.pollMs / 4)));
    this.timer.unref();
  }

  /**
   * Stops trying, and waits up to `graceMs` for a round under way to end. One still running
   * then (an upload of a large file) is left: every step of a round is recorded before it
   * acts, so the next round, once this one's lease lapsed, picks up where it stopped.
   */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }
}
