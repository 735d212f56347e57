/**
 * A short mutual exclusion over one key, across processes, on both servers: whoever inserts
 * the lock document (a unique `_id`) holds it; it is deleted when done. FerretDB applies an
 * update by reading the document and writing all of it back unconditionally, so two writers
 * of one list document would lose one change; a unique insert, enforced by SQLite itself,
 * lets exactly one in at a time. A holder that died is replaced once its lease expired.
 * Inside one process, writers of a key queue in memory first, so only one of them at a time
 * asks the database.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Collection } from 'mongodb';
import { isDuplicateKeyError } from '../duplicate-key.js';

export interface ListLockDoc {
  _id: string;
  owner: string;
  expiresAt: Date;
}

export interface ListLockOptions {
  /** How long a holder may keep the lock before others may take it over. @defaultValue 10000 */
  leaseMs?: number;
  /** How long a writer waits for the lock before giving up with an error. @defaultValue 30000 */
  waitMs?: number;
}

export class ListLock {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly leaseMs: number;
  private readonly waitMs: number;

  constructor(
    private readonly collection: Collection<ListLockDoc>,
    opts: ListLockOptions = {},
  ) {
    this.leaseMs = opts.leaseMs ?? 10_000;
    this.waitMs = opts.waitMs ?? 30_000;
  }

  /** Runs `critical` while holding `key`; the lock is released whatever it does. */
  with<T>(key: string, critical: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const run = before.then(
      () => this.holding(key, critical),
      () => this.holding(key, critical),
    );
    const tail = run.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }

  private async holding<T>(key: string, critical: () => Promise<T>): Promise<T> {
    const owner = randomUUID();
    await this.acquire(key, owner);
    try {
      return await critical();
    } finally {
      // With the owner in the filter: a lock taken over after our lease ran out is not ours to delete.
      await this.collection.deleteOne({ _id: key, owner }).catch(() => {});
    }
  }

  private async acquire(key: string, owner: string): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    let delayMs = 1;
    for (;;) {
      try {
        await this.collection.insertOne({ _id: key, owner, expiresAt: new Date(Date.now() + this.leaseMs) });
        return;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      const held = await this.collection.findOne({ _id: key });
      if (held && held.expiresAt.getTime() < Date.now()) {
        await this.collection.deleteOne({ _id: key, owner: held.owner });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`lock ${key}: still held by another writer after ${this.waitMs} ms`);
      // Backing off while another process holds the lock (held for milliseconds).
      await sleep(delayMs * (1 + Math.random()));
      delayMs = Math.min(delayMs * 2, 25);
    }
  }
}
