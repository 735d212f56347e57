/**
 * The open WebSockets of one API process: counted per tenant across processes (through
 * MongoDB) for MAX_CONNECTIONS_PER_TENANT, and per access token for ACCESS_TOKEN_MAX_CONNECTIONS
 * (so one browser cannot take its tenant's share), and closed within seconds once their key
 * is revoked.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Access } from '../auth/access-scope.js';
import { keyRefusal } from '../auth/key-revocation.js';
import type { TenantsRepository, WsConnectionsRepository } from '../db/tenants/index.js';
import type { Logger } from '../log/logger.js';

/** Close codes: 4403 as graphql-ws uses for a refused key; 4429 for the connection cap. */
export const CLOSE_KEY_REFUSED = 4403;
export const CLOSE_TOO_MANY_CONNECTIONS = 4429;

interface OpenSocket {
  keyId: string;
  socket: WebSocket;
}

export interface SocketRegistryOptions {
  connections: WsConnectionsRepository;
  tenants: TenantsRepository;
  processId: string;
  maxPerTenant: number;
  /** Open sockets one access token may hold over all processes. */
  maxPerToken: number;
  /** How often keys are re-checked and this process's rows refreshed. */
  recheckMs: number;
  logger: Logger;
}

export class WsSocketRegistry {
  private readonly open = new Map<string, OpenSocket>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;

  constructor(private readonly opts: SocketRegistryOptions) {}

  /** Rows not refreshed for three intervals belong to a process that is gone. */
  private freshSince(now: number): Date {
    return new Date(now - 3 * this.opts.recheckMs);
  }

  /**
   * Registers a socket, or returns a refusal reason when its tenant (or its access token)
   * already has its maximum. Two connections racing for the last place may both get it
   * (count, then insert). A token's socket closes with its minting key.
   */
  async admit(tenantId: string, access: Access, socket: WebSocket): Promise<{ id: string } | { refused: string }> {
    const now = Date.now();
    const tokenHash = access.kind === 'token' ? access.tokenHash : undefined;
    if (tokenHash !== undefined && (await this.opts.connections.countOpenForToken(tokenHash, this.freshSince(now))) >= this.opts.maxPerToken) {
      return { refused: `too many open connections with this access token (ACCESS_TOKEN_MAX_CONNECTIONS=${this.opts.maxPerToken})` };
    }
    const count = await this.opts.connections.countOpen(tenantId, this.freshSince(now));
    if (count >= this.opts.maxPerTenant) {
      return { refused: `too many open connections (MAX_CONNECTIONS_PER_TENANT=${this.opts.maxPerTenant})` };
    }
    const id = randomUUID();
    await this.opts.connections.add({ _id: id, tenantId, ...(tokenHash !== undefined ? { tokenHash } : {}), processId: this.opts.processId, seenAt: new Date(now) });
    this.open.set(id, { keyId: access.keyHash, socket });
    return { id };
  }

  async release(id: string): Promise<void> {
    if (!this.open.delete(id)) return;
    await this.opts.connections.remove(id).catch((err: unknown) => this.opts.logger.warn({ err }, 'could not remove a closed connection row'));
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.checking ??= this.check().finally(() => (this.checking = undefined));
    }, this.opts.recheckMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
  }

  /** One pass: close sockets whose key is refused now, refresh this process's rows. */
  async check(): Promise<void> {
    const now = new Date();
    try {
      const byKey = new Map<string, OpenSocket[]>();
      for (const s of this.open.values()) byKey.set(s.keyId, [...(byKey.get(s.keyId) ?? []), s]);
      for (const [keyId, sockets] of byKey) {
        const doc = await this.opts.tenants.findKey(keyId);
        const refusal = doc ? keyRefusal(doc, now) : 'the API key is not valid';
        if (!refusal) continue;
        for (const s of sockets) s.socket.close(CLOSE_KEY_REFUSED, refusal);
      }
      await this.opts.connections.refresh(this.opts.processId, now);
      await this.opts.connections.deleteStale(this.freshSince(now.getTime()));
    } catch (err) {
      this.opts.logger.warn({ err }, 're-checking open connections failed; trying again next interval');
    }
  }
}
