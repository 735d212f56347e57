import { checkWebhookUrl, isForbiddenAddress, type LookupAll } from '../../src/webhooks/address-guard.js';

// Pure checks: nothing here opens a connection. Host names other than `localhost` are
// resolved by an injected lookup, so no DNS query leaves the machine either.

/** A lookup that answers from a table, and fails like getaddrinfo for anything else. */
function fakeLookup(table: Record<string, string[]>): LookupAll & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

describe('isForbiddenAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback /8'],
    ['::1', 'IPv6 loopback'],
    ['[::1]', 'bracketed IPv6 loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network 0/8'],
    ['::', 'IPv6 unspecified'],
    ['10.0.0.1', 'private 10/8'],
    ['10.255.255.255', 'private 10/8 top'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.254', 'private 172.16/12 top'],
    ['192.168.1.1', 'private 192.168/16'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['fe80::1', 'IPv6 link-local'],
    ['fe80::1%eth0', 'IPv6 link-local with zone'],
    ['febf::1', 'IPv6 link-local top of fe80::/10'],
    ['100.64.0.1', 'CGNAT 100.64/10'],
    ['100.127.255.254', 'CGNAT top'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast (SSDP)'],
    ['ff02::1', 'IPv6 multicast'],
    ['255.255.255.255', 'broadcast'],
    ['fd00::1', 'ULA fc00::/7'],
    ['fc00::1', 'ULA fc00::/7 bottom'],
    ['fec0::1', 'deprecated site-local'],
    ['240.0.0.1', 'reserved 240/4'],
    ['192.0.2.1', 'documentation TEST-NET-1'],
    ['198.18.0.1', 'benchmarking'],
    ['2001:db8::1', 'IPv6 documentation'],
    ['100::1', 'IPv6 discard'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::ffff:0:127.0.0.1', 'SIIT-translated loopback'],
    ['::7f00:1', 'IPv4-compatible (deprecated) loopback'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of metadata'],
    ['64:ff9b:1::1:2:3', 'NAT64 local-use prefix'],
    ['2002:7f00:1::1', '6to4 of loopback'],
    ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
    ['2001:0:7f00:1:0:0:0:1', 'Teredo with a loopback server'],
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'Teredo with a private client (10.0.0.1)'],
    ['not-an-ip', 'not an address at all'],
    ['', 'empty'],
    ['1.2.3.4.5', 'malformed'],
  ])('forbids %s (%s)', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(true);
  });

  it.each([
    ['93.184.216.34', 'public IPv4'],
    ['8.8.8.8', 'public IPv4'],
    ['172.32.0.1', 'just above 172.16/12'],
    ['100.128.0.1', 'just above CGNAT'],
    ['169.255.0.1', 'just above link-local'],
    ['2606:4700:4700::1111', 'public IPv6'],
    ['::ffff:8.8.8.8', 'IPv4-mapped public'],
    ['64:ff9b::808:808', 'NAT64 of a public address'],
    ['2002:808:808::1', '6to4 of a public address'],
  ])('allows %s (%s)', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(false);
  });
});

describe('checkWebhookUrl', () => {
  const strict = { allowPrivate: false, lookup: fakeLookup({}) };

  it.each([
    'http://127.0.0.1/hook',
    'http://127.0.0.1:8080/hook',
    'http://127.1/hook',
    'http://0x7f000001/hook',
    'http://2130706433/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://0.0.0.0/hook',
    'http://10.0.0.1/hook',
    'http://172.16.0.1/hook',
    'http://192.168.1.1/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://100.64.0.1/hook',
    'http://[fd00::1]/hook',
    'https://[fe80::1]/hook',
  ])('refuses the literal address in %s without any lookup', async (url) => {
    const lookup = fakeLookup({});
    const result = await checkWebhookUrl(url, { allowPrivate: false, lookup });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/not allowed/);
    expect(lookup.calls).toEqual([]);
  });

  it('refuses localhost (resolved by the system, from its hosts file)', async () => {
    const result = await checkWebhookUrl('http://localhost:4000/hook', { allowPrivate: false });
    expect(result.ok).toBe(false);
  });

  it('refuses a host name that resolves to loopback', async () => {
    const lookup = fakeLookup({ 'hooks.example.com': ['127.0.0.1'] });
    const result = await checkWebhookUrl('https://hooks.example.com/in', { allowPrivate: false, lookup });
    expect(result).toEqual({
      ok: false,
      reason: expect.stringContaining('hooks.example.com: address is not public'),
    });
    expect(lookup.calls).toEqual(['hooks.example.com']);
  });

  it('refuses a host name when ANY of its addresses is forbidden', async () => {
    const lookup = fakeLookup({ 'mixed.example.com': ['93.184.216.34', '2606:4700::1', 'fd00::5'] });
    const result = await checkWebhookUrl('https://mixed.example.com/', { allowPrivate: false, lookup });
    expect(result.ok).toBe(false);
    // Refused, without telling the tenant which private address the name resolved to.
    if (!result.ok) expect(result.reason).toContain('mixed.example.com: address is not public');
    if (!result.ok) expect(result.reason).not.toContain('fd00::5');
  });

  it('accepts a host name whose addresses are all public', async () => {
    const lookup = fakeLookup({ 'hooks.example.com': ['93.184.216.34', '2606:4700::1'] });
    const result = await checkWebhookUrl('https://hooks.example.com/in?x=1', { allowPrivate: false, lookup });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.url.href).toBe('https://hooks.example.com/in?x=1');
  });

  it('accepts a public literal address without a lookup', async () => {
    const lookup = fakeLookup({});
    expect((await checkWebhookUrl('https://93.184.216.34/in', { allowPrivate: false, lookup })).ok).toBe(true);
    expect((await checkWebhookUrl('https://[2606:4700::1111]/in', { allowPrivate: false, lookup })).ok).toBe(true);
    expect(lookup.calls).toEqual([]);
  });

  it('refuses a host that does not resolve, saying so', async () => {
    const result = await checkWebhookUrl('https://nowhere.invalid/', strict);
    expect(result).toEqual({ ok: false, reason: 'host nowhere.invalid cannot be resolved (ENOTFOUND)' });
  });

  it('refuses a host that resolves to nothing', async () => {
    const lookup = fakeLookup({ 'empty.example.com': [] });
    const result = await checkWebhookUrl('https://empty.example.com/', { allowPrivate: false, lookup });
    expect(result).toEqual({ ok: false, reason: 'host empty.example.com does not resolve to any address' });
  });

  it('refuses a host whose lookup does not answer in time', async () => {
    const lookup: LookupAll = () => new Promise(() => {});
    const result = await checkWebhookUrl('https://slow.example.com/', { allowPrivate: false, lookup, lookupTimeoutMs: 20 });
    expect(result).toEqual({ ok: false, reason: 'host slow.example.com did not resolve within 20ms' });
  });

  it.each([
    ['ftp://93.184.216.34/x', /scheme ftp/],
    ['file:///etc/passwd', /scheme file/],
    ['javascript:alert(1)', /scheme javascript/],
    ['gopher://93.184.216.34/', /scheme gopher/],
    ['https://user:pass@93.184.216.34/', /credentials/],
    ['https://user@93.184.216.34/', /credentials/],
    ['not a url', /not a valid absolute URL/],
    ['/relative/path', /not a valid absolute URL/],
    ['', /not a valid absolute URL/],
  ])('refuses the shape of %s', async (url, reason) => {
    for (const allowPrivate of [false, true]) {
      const result = await checkWebhookUrl(url, { allowPrivate, lookup: fakeLookup({}) });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(reason);
    }
  });

  it('with allowPrivate checks only the shape: no lookup, private addresses accepted', async () => {
    const lookup = fakeLookup({});
    for (const url of ['http://127.0.0.1:3000/hook', 'http://localhost/hook', 'http://[::1]/', 'http://unresolvable.invalid/']) {
      const result = await checkWebhookUrl(url, { allowPrivate: true, lookup });
      expect(result.ok).toBe(true);
    }
    expect(lookup.calls).toEqual([]);
  });
});
