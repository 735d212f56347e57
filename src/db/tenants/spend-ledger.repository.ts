/**
 * The `tenant_spend_ledger` collection: per tenant and month, an append-only log (see
 * db/sequence-log) of budget reservations and what calls really cost. Each entry carries
 * the month's running totals after it — money spent, tokens, calls, and the reservations
 * still open — so the last entry alone says where the tenant stands, and appending the next
 * one (a unique `_id`) is the atomic "reserve" step on every server. No entry is updated,
 * so FerretDB's non-atomic read-modify-write never loses a concurrent addition.
 */
import type { Collection, Db } from 'mongodb';
import { SequenceLog, type SequenceEntry } from '../sequence-log.js';

export interface OpenReservation {
  id: string;
  usd: number;
  /** After this it no longer counts (its worker died before settling it). */
  until: Date;
}

export interface SpendLedgerDoc extends SequenceEntry {
  tenantId: string;
  /** The UTC month `YYYY-MM`. */
  period: string;
  entry: 'reserve' | 'settle' | 'release';
  /** The reservation the entry is about (a settle without one has a fresh id). */
  reservation: string;
  /** This entry's own amount: the estimate reserved, or the real cost settled. */
  usd: number;
  /** The month's totals after this entry. */
  spentUsd: number;
  tokens: number;
  calls: number;
  open: OpenReservation[];
  at: Date;
}

export class SpendLedgerRepository {
  readonly log: SequenceLog<SpendLedgerDoc>;

  constructor(db: Db) {
    const collection: Collection<SpendLedgerDoc> = db.collection<SpendLedgerDoc>('tenant_spend_ledger');
    this.log = new SequenceLog(collection);
  }

  static logOf(tenantId: string, period: string): string {
    return `${tenantId}:${period}`;
  }

  last(tenantId: string, period: string): Promise<SpendLedgerDoc | null> {
    return this.log.last(SpendLedgerRepository.logOf(tenantId, period));
  }

  /** False when another writer appended at that seq first: read the last entry again and retry. */
  append(doc: Omit<SpendLedgerDoc, '_id'>): Promise<boolean> {
    return this.log.append(SpendLedgerRepository.logOf(doc.tenantId, doc.period), doc);
  }
}
