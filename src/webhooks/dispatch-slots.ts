/**
 * A dispatcher's attempt slots: how many requests it has out, in all, per endpoint and per
 * tenant. The bound per endpoint keeps a receiver that hangs until every attempt times out
 * from holding more than a few slots; the bound per tenant keeps one tenant's many such
 * receivers from holding more than its share, so that the other tenants always find room.
 * Pure bookkeeping, tested directly.
 */

export interface SlotLimits {
  /** Attempts in flight at once (WEBHOOK_CONCURRENCY). */
  total: number;
  /** Attempts in flight at once to one endpoint (WEBHOOK_ENDPOINT_CONCURRENCY). */
  perEndpoint: number;
  /** Attempts in flight at once for one tenant (WEBHOOK_TENANT_CONCURRENCY). */
  perTenant: number;
}

/** What a slot is taken for. */
export interface SlotHolder {
  endpointId: string;
  tenantId: string;
}

export class DispatchSlots {
  private readonly endpoints = new Map<string, number>();
  private readonly tenants = new Map<string, number>();
  private inUse = 0;

  constructor(private readonly limits: SlotLimits) {
    for (const [name, n] of Object.entries(limits)) {
      if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name} must be >= 1, not ${n}`);
    }
  }

  /** Slots taken now. */
  get used(): number {
    return this.inUse;
  }

  /** Slots free in all (whatever the endpoint or tenant). */
  get free(): number {
    return Math.max(0, this.limits.total - this.inUse);
  }

  hasRoom(holder: SlotHolder): boolean {
    return (
      this.inUse < this.limits.total &&
      (this.endpoints.get(holder.endpointId) ?? 0) < this.limits.perEndpoint &&
      (this.tenants.get(holder.tenantId) ?? 0) < this.limits.perTenant
    );
  }

  take(holder: SlotHolder): void {
    this.inUse += 1;
    bump(this.endpoints, holder.endpointId, 1);
    bump(this.tenants, holder.tenantId, 1);
  }

  release(holder: SlotHolder): void {
    this.inUse = Math.max(0, this.inUse - 1);
    bump(this.endpoints, holder.endpointId, -1);
    bump(this.tenants, holder.tenantId, -1);
  }

  /** The endpoints with no room left: a poll leaves their deliveries out. */
  fullEndpoints(): string[] {
    return full(this.endpoints, this.limits.perEndpoint);
  }

  /** The tenants at their share: a poll leaves their deliveries out too. */
  fullTenants(): string[] {
    return full(this.tenants, this.limits.perTenant);
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n <= 0) counts.delete(key);
  else counts.set(key, n);
}

function full(counts: ReadonlyMap<string, number>, limit: number): string[] {
  return [...counts].filter(([, n]) => n >= limit).map(([key]) => key);
}
