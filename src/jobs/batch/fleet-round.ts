/**
 * One batch round at a time for the whole fleet. Round n is a document inserted under a
 * unique `_id` (`round:<n>`, batch-rounds.repository.ts): of the workers that try to start
 * it, one inserts it and runs the round; the others see it taken. The holder beats on its
 * round while it works and marks it done; the next round may start `everyMs` after that, or
 * once the holder's beat is older than `leaseMs` (it died). Before each step with an effect
 * outside (an upload, a batch created or cancelled) the holder checks that no later round
 * started, so a holder that stalled past its lease does not act beside its successor.
 *
 * An idle worker's check costs three lookups by `_id`: the hint of the latest round, the
 * next round (absent), and the latest round.
 */
import type { BatchRoundsRepository } from '../../db/jobs/index.js';

export interface FleetRoundOptions {
  /** This process, on the rounds it holds. */
  owner: string;
  /** How long a round holds without a beat (JOB_LEASE). */
  leaseMs: number;
  /** Least time between the end of one round and the start of the next (AI_BATCH_POLL_INTERVAL). */
  everyMs: number;
  now?: () => Date;
}

/** A round this process holds. */
export interface HeldRound {
  n: number;
  /** False once a later round started (this one was given up as dead). */
  stillCurrent(): Promise<boolean>;
  /** Marks the round done and stops beating. */
  finish(): Promise<void>;
}

export class FleetRounds {
  private latest = 0;
  private readonly now: () => Date;

  constructor(
    private readonly repo: BatchRoundsRepository,
    private readonly opts: FleetRoundOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  /** Starts the next round when it is due and nobody holds one; null otherwise. */
  async tryStart(): Promise<HeldRound | null> {
    const n = await this.findLatest();
    const now = this.now();
    const current = n > 0 ? await this.repo.find(n) : null;
    if (current) {
      const ended = current.doneAt ?? (now.getTime() - current.beatAt.getTime() >= this.opts.leaseMs ? current.beatAt : null);
      if (ended === null || now.getTime() - ended.getTime() < (current.doneAt ? this.opts.everyMs : 0)) return null;
    }
    if (!(await this.repo.claim(n + 1, this.opts.owner, now))) return null;
    this.latest = n + 1;
    await this.repo.setLatest(n + 1);
    // Two rounds are kept: the one running and the one before, which says when it ended.
    if (n - 1 > 0) await this.repo.remove(n - 1).catch(() => {});
    return this.hold(n + 1);
  }

  private async findLatest(): Promise<number> {
    let n = Math.max(this.latest, await this.repo.latest());
    while (await this.repo.find(n + 1)) n += 1;
    this.latest = n;
    return n;
  }

  private hold(n: number): HeldRound {
    const beat = setInterval(() => void this.repo.beat(n, this.now()).catch(() => {}), Math.max(50, Math.floor(this.opts.leaseMs / 6)));
    beat.unref();
    return {
      n,
      stillCurrent: async () => (await this.repo.find(n + 1)) === null,
      finish: async () => {
        clearInterval(beat);
        await this.repo.done(n, this.now());
      },
    };
  }
}
