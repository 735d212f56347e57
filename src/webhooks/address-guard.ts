import { promises as dns } from 'node:dns';
import { isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Server-side request forgery guard: a tenant's webhook URL must not make this service
 * talk to itself, its cloud metadata service (169.254.169.254) or the private network.
 *
 * The policy is an allow-list: an address is allowed only when ipaddr.js classifies it as
 * ordinary global unicast (and, for the IPv6 forms that carry an IPv4 address, that IPv4
 * address is allowed too). Anything unknown or unparseable is refused: fail closed.
 *
 * This check runs at registration (checkWebhookUrl) and again on the address actually
 * connected to (http-sender's connect hook), because DNS can answer differently the second
 * time (DNS rebinding).
 */

/**
 * IPv6 ranges that carry an IPv4 address, and where. A carried address is as forbidden as
 * the IPv4 address itself: `::ffff:127.0.0.1` reaches 127.0.0.1.
 */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4[] | null {
  const p = address.parts;
  const v4 = (high: number, low: number): ipaddr.IPv4 =>
    new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  switch (address.range()) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d (SIIT)
      return [v4(p[6]!, p[7]!)];
    case 'rfc6052':
      // NAT64 well-known prefix 64:ff9b::/96 carries the address in the last 32 bits. The
      // local-use prefix 64:ff9b:1::/48 may place it elsewhere, and is by definition a
      // translator inside someone's network: refused outright (no carried address).
      return p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0 ? [v4(p[6]!, p[7]!)] : null;
    case '6to4': // 2002:AABB:CCDD::/48
      return [v4(p[1]!, p[2]!)];
    case 'teredo': // 2001:0:SERVER:flags:port:~CLIENT — both ends must be allowed
      return [v4(p[2]!, p[3]!), v4(~p[6]! & 0xffff, ~p[7]! & 0xffff)];
    default:
      return null;
  }
}

function isForbiddenIPv4(address: ipaddr.IPv4): boolean {
  // Everything ipaddr.js names is special: unspecified (0/8), loopback, private (RFC 1918),
  // linkLocal, carrierGradeNat (100.64/10), multicast, broadcast, reserved (incl. 240/4 and
  // documentation nets), benchmarking, as112, amt. Only plain 'unicast' is an internet host.
  return address.range() !== 'unicast';
}

function isForbiddenIPv6(address: ipaddr.IPv6): boolean {
  const range = address.range();
  if (range === 'unicast') {
    // ::/8 is reserved by the IETF. What is left of it after ipaddr's named ranges includes
    // the deprecated IPv4-compatible form ::a.b.c.d, which some stacks still route.
    return address.parts[0]! < 0x100;
  }
  const carried = embeddedIPv4(address);
  // loopback, unspecified, linkLocal (fe80::/10), uniqueLocal (fc00::/7), multicast,
  // deprecatedSiteLocal, discard, reserved, benchmarking, orchid, segment routing, …
  if (carried === null) return true;
  return carried.some(isForbiddenIPv4);
}

/**
 * True when an IP address must not be connected to: loopback, private, link-local, CGNAT,
 * multicast, unspecified, broadcast, unique-local, reserved, and IPv6 forms carrying any of
 * those (IPv4-mapped, NAT64, 6to4, Teredo). Accepts `[v6]` and zone ids (`fe80::1%eth0`).
 * Anything that is not an IP address is forbidden.
 */
export function isForbiddenAddress(ip: string): boolean {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.parse(bare);
  } catch {
    return true;
  }
  return address.kind() === 'ipv4'
    ? isForbiddenIPv4(address as ipaddr.IPv4)
    : isForbiddenIPv6(address as ipaddr.IPv6);
}

/** `dns.promises.lookup` with `all: true`, or a stand-in for tests. */
export type LookupAll = (
  hostname: string,
  options: { all: true },
) => Promise<ReadonlyArray<{ address: string; family: number }>>;

export interface CheckWebhookUrlOptions {
  /** Skip the address checks (development and tests); the URL's shape is still checked. */
  allowPrivate: boolean;
  /** How host names are resolved. @defaultValue dns.promises.lookup */
  lookup?: LookupAll;
  /** The limit of the DNS lookup, in ms; a host that does not resolve in time is refused. @defaultValue 5000 */
  lookupTimeoutMs?: number;
}

export type CheckWebhookUrlResult = { ok: true; url: URL } | { ok: false; reason: string };

const DEFAULT_LOOKUP_TIMEOUT_MS = 5_000;

/**
 * The scheme and shape of a webhook URL, without any DNS: http or https, a host, no
 * credentials (they would be sent on every delivery and end up in logs).
 */
export function checkWebhookUrlShape(url: string): CheckWebhookUrlResult {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'not a valid absolute URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { ok: false, reason: `scheme ${parsed.protocol.replace(/:$/, '')} is not allowed; use http or https` };
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return { ok: false, reason: 'credentials in the URL are not allowed' };
  }
  if (parsed.hostname === '') return { ok: false, reason: 'the URL has no host' };
  return { ok: true, url: parsed };
}

/**
 * Whether a webhook URL may be registered: its shape, then (unless allowPrivate) its
 * address. An IP literal is checked directly; a host name is resolved, and refused if ANY
 * of its addresses is forbidden (the connection could use any of them) or if it does not
 * resolve. Never throws.
 */
export async function checkWebhookUrl(url: string, options: CheckWebhookUrlOptions): Promise<CheckWebhookUrlResult> {
  const shape = checkWebhookUrlShape(url);
  if (!shape.ok || options.allowPrivate) return shape;
  const host = shape.url.hostname;

  // The URL parser has already normalised IP literals: v6 comes bracketed, and v4 in any
  // numeric spelling (0x7f.1, 2130706433) becomes a dotted quad.
  if (host.startsWith('[') || isIPv4(host)) {
    return isForbiddenAddress(host) ? { ok: false, reason: `address ${host} is not allowed (${REFUSED_RANGES})` } : shape;
  }

  const resolved = await resolveAll(host, options.lookup ?? dns.lookup, options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS);
  if (!resolved.ok) return resolved;
  const forbidden = resolved.addresses.find((a) => isForbiddenAddress(a));
  if (forbidden !== undefined) {
    // Which private address it was stays unsaid: it would map the service's network for a tenant.
    return { ok: false, reason: `host ${host}: address is not public (${REFUSED_RANGES})` };
  }
  return shape;
}

const REFUSED_RANGES = 'loopback, private, link-local and other non-public addresses are refused';

async function resolveAll(
  host: string,
  lookup: LookupAll,
  timeoutMs: number,
): Promise<{ ok: true; addresses: string[] } | { ok: false; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const answer = await Promise.race([lookup(host, { all: true }), deadline]);
    if (answer === 'timeout') return { ok: false, reason: `host ${host} did not resolve within ${timeoutMs}ms` };
    if (answer.length === 0) return { ok: false, reason: `host ${host} does not resolve to any address` };
    return { ok: true, addresses: answer.map((a) => a.address) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    return { ok: false, reason: `host ${host} cannot be resolved${code ? ` (${code})` : ''}` };
  } finally {
    clearTimeout(timer);
  }
}
