// The SSRF rule of webhooks: an endpoint may not reach this machine or the
// networks beside it. Checked when an endpoint is created or changed, and
// again before every attempt, on the addresses the name resolves to then
// (a name can be pointed elsewhere after it was checked: DNS rebinding).
// The attempt then connects to the address that was checked (sender.ts), so
// the name is not resolved a second time in between.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** The ranges refused, each with the word an error message uses for it. */
const RANGES: [address: string, prefix: number, family: 'ipv4' | 'ipv6', kind: string][] = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'reserved'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'reserved'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  // IPv4-mapped and -compatible addresses whose IPv4 part is not refused above
  // (BlockList matches ::ffff:127.0.0.1 against 127.0.0.0/8 itself): never
  // what a public endpoint resolves to.
  ['::ffff:0:0', 96, 'ipv6', 'IPv4-mapped'],
  ['::', 96, 'ipv6', 'IPv4-compatible'],
  ['64:ff9b::', 96, 'ipv6', 'NAT64'],
  ['100::', 64, 'ipv6', 'reserved'],
  ['fc00::', 7, 'ipv6', 'unique-local'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

const LISTS = RANGES.map(([address, prefix, family, kind]) => {
  const list = new BlockList();
  list.addSubnet(address, prefix, family);
  return { list, family, kind };
});

/** Why this address may not be an endpoint's (`loopback`, `private`, …); undefined when it may. */
export function refusedKind(address: string): string | undefined {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  // An IPv6 address is checked against the IPv4 ranges too (an IPv4-mapped
  // one matches them); an IPv4 address only against those, since BlockList
  // would also match it against the IPv4-mapped range.
  return LISTS.find((range) => (family === 'ipv6' || range.family === 'ipv4') && range.list.check(address, family))?.kind;
}

/** An endpoint's address was refused, or its name did not resolve; the message says which and why. */
export class AddressRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddressRefusedError';
  }
}

/** The host of a URL as an address or name: `[::1]` without its brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * The address to connect to for `host`: the host itself when it is an
 * address, else the first the name resolves to, once every one of them has
 * passed. Throws AddressRefusedError.
 */
export async function checkedAddress(host: string): Promise<{ address: string; family: 4 | 6 }> {
  const literal = isIP(host);
  const addresses = literal
    ? [{ address: host, family: literal }]
    : await lookup(host, { all: true, verbatim: true }).catch((error: NodeJS.ErrnoException) => {
        throw new AddressRefusedError(`${host} does not resolve (${error.code ?? 'lookup failed'})`);
      });
  if (addresses.length === 0) throw new AddressRefusedError(`${host} does not resolve`);
  for (const { address } of addresses) {
    const kind = refusedKind(address);
    if (kind) {
      const where = literal ? address : `${host} resolves to ${address}, which`;
      throw new AddressRefusedError(`${where} is a ${kind} address; webhooks go to public addresses only`);
    }
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
