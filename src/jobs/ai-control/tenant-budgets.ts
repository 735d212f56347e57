/**
 * The tenant side of budgets: monthly budgets and spending, kept in the spend ledger
 * (db/tenants/spend-ledger). Before a call its estimate is reserved by appending an entry
 * whose running totals include it — the unique `_id` of the next entry makes that step
 * atomic across every worker process — and only if spent + open reservations + the estimate
 * stay within the budget. After the call the reservation is settled with the real cost, or
 * released when the call failed. So concurrent calls overshoot the budget only by what
 * their real costs exceed their estimates, which the capped answer keeps small.
 */
import { randomUUID } from 'node:crypto';
import { abortableSleep } from '../../ai/index.js';
import type { UsageDoc } from '../../db/jobs/index.js';
import { spendPeriod, type OpenReservation, type SpendLedgerDoc, type SpendLedgerRepository, type TenantBudgetsRepository } from '../../db/tenants/index.js';
import { AppError, ErrorCode } from '../../errors/index.js';
import { BudgetExceededError } from './budget-exceeded-error.js';
import { usd, type CallEstimate } from './budgets.js';

export interface TenantBudgetView {
  monthlyUsd: number | null;
  period: string;
  spentUsd: number;
  leftUsd: number | null;
}

export interface TenantBudgetsOptions {
  /**
   * How long a reservation counts when it is never settled (its worker died): no call can
   * take longer than one job attempt. @default 30 minutes (JOB_TIMEOUT_MS)
   */
  holdMs?: number;
  /** The clock, for tests. */
  now?: () => Date;
}

/** A call's estimate, held against the tenant's month until it is settled or released. */
export interface TenantReservation {
  tenantId: string;
  period: string;
  id: string;
  usd: number;
}

/** Appends lost to other writers in a row before giving up (each loss means someone else progressed). */
const MAX_APPEND_TRIES = 500;
/** Waits while others' reservations, not spending, stand in the way: they may settle for less. */
const HOLD_WAIT_MS = 150;

interface Totals {
  seq: number;
  spentUsd: number;
  tokens: number;
  calls: number;
  open: OpenReservation[];
}

export class TenantBudgets {
  private readonly holdMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly repo: TenantBudgetsRepository,
    private readonly ledger: SpendLedgerRepository,
    opts: TenantBudgetsOptions = {},
  ) {
    this.holdMs = opts.holdMs ?? 30 * 60_000;
    this.now = opts.now ?? (() => new Date());
  }

  async view(tenantId: string): Promise<TenantBudgetView> {
    const period = spendPeriod(this.now());
    const [monthlyUsd, totals] = await Promise.all([this.repo.monthlyUsd(tenantId), this.totals(tenantId, period)]);
    const spentUsd = round(totals.spentUsd);
    return { monthlyUsd, period, spentUsd, leftUsd: monthlyUsd === null ? null : round(Math.max(0, monthlyUsd - spentUsd)) };
  }

  /** Refuses a new submission (RATE_LIMITED) once the tenant has used up this month's budget. */
  async assertCanSubmit(tenantId: string): Promise<void> {
    const v = await this.view(tenantId);
    if (v.monthlyUsd !== null && v.spentUsd >= v.monthlyUsd) {
      throw new AppError(
        ErrorCode.RATE_LIMITED,
        `this tenant has spent ${usd(v.spentUsd)} of its monthly AI budget of ${usd(v.monthlyUsd)} for ${v.period}; new jobs are refused until the month ends or the budget is raised`,
      );
    }
  }

  /**
   * Reserves the call's estimate against the tenant's month; null when the tenant has no
   * monthly budget (nothing to hold). Throws BudgetExceededError when the call would take the
   * tenant past it; waits while only other calls' open reservations stand in the way.
   */
  async reserve(tenantId: string, call: CallEstimate, signal?: AbortSignal): Promise<TenantReservation | null> {
    const id = randomUUID();
    for (let tries = 0; tries < MAX_APPEND_TRIES; ) {
      signal?.throwIfAborted();
      const monthlyUsd = await this.repo.monthlyUsd(tenantId);
      if (monthlyUsd === null) return null;
      if (call.costUsd === null) {
        throw new BudgetExceededError('the cost of the next AI call is unknown (its model has no price), so the tenant budget cannot be kept');
      }
      const now = this.now();
      const period = spendPeriod(now);
      const t = await this.totals(tenantId, period);
      const open = live(t.open, now);
      if (t.spentUsd + call.costUsd > monthlyUsd) {
        throw new BudgetExceededError(
          `the next AI call (about ${usd(call.costUsd)}) would take the tenant past its monthly budget of ${usd(monthlyUsd)} (${usd(t.spentUsd)} spent in ${period})`,
        );
      }
      if (t.spentUsd + held(open) + call.costUsd > monthlyUsd) {
        // Calls in flight hold the rest; they usually cost less than reserved.
        await abortableSleep(HOLD_WAIT_MS + Math.floor(Math.random() * HOLD_WAIT_MS), signal);
        continue;
      }
      const reservation = { tenantId, period, id, usd: call.costUsd };
      const entry: Omit<SpendLedgerDoc, '_id'> = {
        ...this.base(t, tenantId, period, now),
        entry: 'reserve',
        reservation: id,
        usd: call.costUsd,
        open: [...open, { id, usd: call.costUsd, until: new Date(now.getTime() + this.holdMs) }],
      };
      if (await this.ledger.append(entry)) return reservation;
      tries += 1;
    }
    throw new Error('the spend ledger is too busy to reserve a call; retry later');
  }

  /** Adds a paid call to the tenant's month and closes its reservation (if it had one). */
  async settle(tenantId: string, reservation: TenantReservation | null, usage: UsageDoc): Promise<void> {
    const cost = usage.costUsd ?? 0;
    // Nothing held and nothing to add (offline, or a model without a price): no entry.
    if (reservation === null && cost === 0) return;
    await this.appendWith(tenantId, reservation, (t, now) => ({
      entry: 'settle',
      reservation: reservation?.id ?? randomUUID(),
      usd: cost,
      spentUsd: round(t.spentUsd + cost),
      tokens: t.tokens + usage.totalTokens,
      calls: t.calls + 1,
      open: live(t.open, now).filter((o) => o.id !== reservation?.id),
    }));
  }

  /** Gives a failed call's reservation back. */
  async release(reservation: TenantReservation): Promise<void> {
    await this.appendWith(reservation.tenantId, reservation, (t, now) => {
      const open = live(t.open, now);
      if (!open.some((o) => o.id === reservation.id)) return null; // lapsed already
      return { entry: 'release', reservation: reservation.id, usd: reservation.usd, open: open.filter((o) => o.id !== reservation.id) };
    });
  }

  /** Appends what `next` makes of the current totals (null: nothing to write), retrying lost races. */
  private async appendWith(
    tenantId: string,
    reservation: TenantReservation | null,
    next: (t: Totals, now: Date) => Partial<Omit<SpendLedgerDoc, '_id'>> | null,
  ): Promise<void> {
    for (let tries = 0; tries < MAX_APPEND_TRIES; tries++) {
      const now = this.now();
      // A call is settled in the month it was reserved in, so its reservation closes.
      const period = reservation?.period ?? spendPeriod(now);
      const t = await this.totals(tenantId, period);
      const change = next(t, now);
      if (change === null) return;
      const entry = { ...this.base(t, tenantId, period, now), entry: 'settle' as const, reservation: '', usd: 0, ...change };
      if (await this.ledger.append(entry)) return;
    }
    throw new Error('the spend ledger is too busy to record a call; retry later');
  }

  /** The next entry's totals as they stand (what it changes is spread over this). */
  private base(t: Totals, tenantId: string, period: string, now: Date): Omit<SpendLedgerDoc, '_id' | 'entry' | 'reservation' | 'usd'> {
    return { seq: t.seq + 1, tenantId, period, spentUsd: t.spentUsd, tokens: t.tokens, calls: t.calls, open: t.open, at: now };
  }

  /** The month so far: the ledger's last entry, or what an older version counted. */
  private async totals(tenantId: string, period: string): Promise<Totals> {
    const last = await this.ledger.last(tenantId, period);
    if (last) return { seq: last.seq, spentUsd: last.spentUsd, tokens: last.tokens, calls: last.calls, open: last.open };
    const legacy = await this.repo.spent(tenantId, period);
    return { seq: 0, spentUsd: legacy?.costUsd ?? 0, tokens: legacy?.tokens ?? 0, calls: legacy?.calls ?? 0, open: [] };
  }
}

const live = (open: readonly OpenReservation[], now: Date): OpenReservation[] => open.filter((o) => o.until.getTime() > now.getTime());
const held = (open: readonly OpenReservation[]): number => open.reduce((sum, o) => sum + o.usd, 0);
const round = (n: number): number => Math.round(n * 1e9) / 1e9;
