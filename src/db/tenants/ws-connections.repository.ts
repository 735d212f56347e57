/**
 * Open WebSocket connections of every API process, so that a per-tenant cap holds across
 * processes. Each process refreshes its own rows; rows of a process that died go stale.
 */
import type { Collection, Db } from 'mongodb';

export interface WsConnectionDoc {
  _id: string;
  tenantId: string;
  /** The access token's hash, for a socket opened with one (ACCESS_TOKEN_MAX_CONNECTIONS). */
  tokenHash?: string;
  processId: string;
  /** Refreshed by the owning process; a row older than the staleness window does not count. */
  seenAt: Date;
}

export class WsConnectionsRepository {
  private readonly collection: Collection<WsConnectionDoc>;

  constructor(db: Db) {
    this.collection = db.collection<WsConnectionDoc>('ws_connections');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ tenantId: 1, seenAt: 1 });
    await this.collection.createIndex({ processId: 1 });
    await this.collection.createIndex({ tokenHash: 1, seenAt: 1 });
  }

  async add(doc: WsConnectionDoc): Promise<void> {
    await this.collection.insertOne(doc);
  }

  async remove(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }

  countOpen(tenantId: string, freshSince: Date): Promise<number> {
    return this.collection.countDocuments({ tenantId, seenAt: { $gte: freshSince } });
  }

  countOpenForToken(tokenHash: string, freshSince: Date): Promise<number> {
    return this.collection.countDocuments({ tokenHash, seenAt: { $gte: freshSince } });
  }

  async refresh(processId: string, now: Date): Promise<void> {
    await this.collection.updateMany({ processId }, { $set: { seenAt: now } });
  }

  /** Rows of processes that stopped refreshing them (crashed or killed). */
  async deleteStale(before: Date): Promise<void> {
    await this.collection.deleteMany({ seenAt: { $lt: before } });
  }
}
