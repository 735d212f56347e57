/**
 * Attempts in flight per endpoint, in one dispatcher. A bound per endpoint is what keeps
 * a receiver that hangs until every attempt times out from holding every slot.
 */
export class EndpointSlots {
  private readonly counts = new Map<string, number>();

  constructor(private readonly perEndpoint: number) {
    if (!Number.isSafeInteger(perEndpoint) || perEndpoint < 1) throw new RangeError(`perEndpoint must be >= 1, not ${perEndpoint}`);
  }

  hasRoom(endpointId: string): boolean {
    return (this.counts.get(endpointId) ?? 0) < this.perEndpoint;
  }

  take(endpointId: string): void {
    this.counts.set(endpointId, (this.counts.get(endpointId) ?? 0) + 1);
  }

  release(endpointId: string): void {
    const n = (this.counts.get(endpointId) ?? 0) - 1;
    if (n <= 0) this.counts.delete(endpointId);
    else this.counts.set(endpointId, n);
  }

  /** The endpoints with no room left: the poll leaves their deliveries out. */
  saturated(): string[] {
    return [...this.counts].filter(([, n]) => n >= this.perEndpoint).map(([id]) => id);
  }
}
