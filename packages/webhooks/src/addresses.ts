import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where an IP address points, as far as webhook delivery cares. Only `public` may receive a
 * delivery: every other class reaches this machine, a private network, a cloud's metadata
 * service or nothing routable, which is what a merchant-chosen URL must never reach (SSRF).
 */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'carrier-grade-nat'
  | 'unique-local'
  | 'site-local'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'metadata';

// Cloud instance-metadata services hand credentials to whoever asks from the machine. Most sit
// in link-local or unique-local ranges anyway; naming them makes a refusal say what they are.
const METADATA = new Set(
  [
    '169.254.169.254', // AWS, GCP, Azure, OpenStack, Oracle, DigitalOcean
    '169.254.170.2', // AWS ECS task metadata
    '169.254.170.23', // AWS EKS pod identity
    '100.100.100.200', // Alibaba Cloud
    '192.0.0.192', // Oracle Cloud (legacy)
    'fd00:ec2::254', // AWS IMDS over IPv6
    'fd00:ec2::23', // AWS EKS pod identity over IPv6
  ].map((address) => ipaddr.parse(address).toNormalizedString()),
);

// ipaddr.js names the special ranges; anything it names that is not listed here (benchmarking,
// documentation, AS112, AMT, ORCHID, 6to4, Teredo, ...) is `reserved`.
const IPV4: Record<string, AddressClass> = {
  unicast: 'public',
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade-nat',
  private: 'private',
};
const IPV6: Record<string, AddressClass> = {
  unspecified: 'unspecified',
  linkLocal: 'link-local',
  multicast: 'multicast',
  loopback: 'loopback',
  uniqueLocal: 'unique-local',
  deprecatedSiteLocal: 'site-local',
};
// Only 2000::/3 is allocated for global unicast; ipaddr.js calls everything it has no name for
// `unicast`, including the deprecated IPv4-compatible ::a.b.c.d.
const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];
// NAT64's well-known prefix: 64:ff9b::a.b.c.d is a.b.c.d through the translator.
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96') as [ipaddr.IPv6, number];

/** The class of an IPv4 or IPv6 address (as `net.isIP` accepts it; IPv6 without brackets). */
export function addressClass(address: string): AddressClass {
  if (isIP(address) === 0) throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
  return classify(ipaddr.parse(address));
}

function classify(ip: ipaddr.IPv4 | ipaddr.IPv6): AddressClass {
  if (METADATA.has(ip.toNormalizedString())) return 'metadata';
  if (ip.kind() === 'ipv4') return IPV4[(ip as ipaddr.IPv4).range()] ?? 'reserved';
  const v6 = ip as ipaddr.IPv6;
  // An IPv6 socket connects to ::ffff:a.b.c.d over IPv4: what counts is the IPv4 inside.
  if (v6.isIPv4MappedAddress()) return classify(v6.toIPv4Address());
  if (v6.match(NAT64)) return classify(ipaddr.fromByteArray(v6.toByteArray().slice(12)));
  const range: string = v6.range();
  if (range === 'unicast') return v6.match(GLOBAL_UNICAST) ? 'public' : 'reserved';
  return IPV6[range] ?? 'reserved';
}

/**
 * The address a URL's hostname is written as (`10.0.0.5`, `[::1]` → `::1`), or undefined when
 * it is a name. WHATWG URL parsing has already turned `0x7f.1` and `2130706433` into dotted form.
 */
export function literalAddress(hostname: string): string | undefined {
  const host =
    hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(host) === 0 ? undefined : host;
}
