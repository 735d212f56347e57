/**
 * The address guard at connect time, for every outbound request the service makes on a
 * tenant's behalf (webhook deliveries, file URLs): an undici connector that refuses any
 * connection whose address is not public (address-guard.ts), on the very addresses the
 * socket uses, so a host that resolves differently the second time (DNS rebinding) gains
 * nothing. Redirects are each a new connection through it.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { isForbiddenAddress } from './address-guard.js';

/** The connection was refused because the address it would reach is not public. */
export class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
  readonly code = 'WEBHOOK_BLOCKED_ADDRESS';
  constructor(
    readonly address: string,
    readonly hostname: string,
  ) {
    // The address a name resolved to is not shown: it would tell a tenant about the
    // network the service runs in. `address` stays on the error for the operator's log.
    super(hostname === address ? `blocked address ${address}: address is not public` : `blocked: ${hostname}: address is not public`);
  }
}

/**
 * The connector that decides, per connection, whether the address may be reached. An IP
 * literal never goes through DNS (net.connect skips lookup for it), so it is checked here;
 * a host name is checked inside the lookup, on the very addresses the socket will use.
 */
export function guardedConnector(options: {
  allowPrivate: boolean;
  timeoutMs: number;
  lookup: LookupFunction | undefined;
}): buildConnector.connector {
  const baseLookup = options.lookup ?? (dnsLookup as LookupFunction);
  const connect = buildConnector({
    timeout: options.timeoutMs,
    lookup: options.allowPrivate ? baseLookup : guardedLookup(baseLookup),
  });
  if (options.allowPrivate) return connect;
  return (connectOptions, callback) => {
    const { hostname } = connectOptions;
    if (isIP(hostname) !== 0 && isForbiddenAddress(hostname)) {
      process.nextTick(() => callback(new BlockedAddressError(hostname, hostname), null));
      return;
    }
    connect(connectOptions, callback);
  };
}

/** Resolves every address (as happy eyeballs would), and refuses the host if any is forbidden. */
function guardedLookup(base: LookupFunction): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    base(hostname, { ...lookupOptions, all: true }, (error, result) => {
      if (error) return callback(error, '');
      const addresses: LookupAddress[] = Array.isArray(result)
        ? result
        : [{ address: result, family: isIP(result) }];
      const first = addresses[0];
      if (first === undefined) {
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
      }
      const blocked = addresses.find((a) => isForbiddenAddress(a.address));
      if (blocked) return callback(new BlockedAddressError(blocked.address, hostname), '');
      if (lookupOptions.all) return callback(null, addresses);
      return callback(null, first.address, first.family);
    });
  };
}

/**
 * Undici and happy eyeballs wrap the interesting error (`cause`, AggregateError): walk the
 * chain, preferring our own refusal, then the first error that carries a code.
 */
export function rootCause(error: unknown): unknown {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current != null && chain.length < 8 && !chain.includes(current)) {
    chain.push(current);
    current =
      current instanceof AggregateError && current.errors.length > 0
        ? current.errors[0]
        : (current as { cause?: unknown }).cause;
  }
  return (
    chain.find((e) => e instanceof BlockedAddressError) ??
    chain.find((e) => typeof (e as NodeJS.ErrnoException).code === 'string') ??
    error
  );
}
