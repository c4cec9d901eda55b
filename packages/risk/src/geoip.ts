import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The country of an IP address, from a range file in the format of the free "IP to Country"
 * CSV databases (db-ip.com lite, IP2Location LITE DB1 with addresses): one range per line,
 * `first,last,CC` (IPv4 or IPv6, the same family on a line). Kassa ships no database: this
 * machine has no way to fetch one and they are licensed separately. Without RISK_GEOIP_FILE,
 * `:ip_country:` is unknown (null) and rules that use it never match.
 */
export class GeoIp {
  private readonly v4: Range[];
  private readonly v6: Range[];

  constructor(ranges: Iterable<{ first: string; last: string; country: string }>) {
    const v4: Range[] = [];
    const v6: Range[] = [];
    for (const r of ranges) {
      const family = isIPv4(r.first) ? 4 : isIPv6(r.first) ? 6 : 0;
      if (family === 0 || (family === 4 ? !isIPv4(r.last) : !isIPv6(r.last)))
        throw new Error(`not an IP range: ${r.first},${r.last}`);
      if (!/^[A-Z]{2}$/.test(r.country)) throw new Error(`not a country code: ${r.country}`);
      const range = { first: toBigInt(r.first), last: toBigInt(r.last), country: r.country };
      if (range.last < range.first) throw new Error(`an empty range: ${r.first},${r.last}`);
      (family === 4 ? v4 : v6).push(range);
    }
    this.v4 = v4.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    this.v6 = v6.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  }

  static fromFile(path: string): GeoIp {
    const lines = readFileSync(path, 'utf8').split(/\r?\n/);
    const ranges = [];
    for (const [i, line] of lines.entries()) {
      const text = line.trim();
      if (!text || text.startsWith('#')) continue;
      const [first, last, country] = text.split(',').map((f) => f.trim().replace(/^"|"$/g, ''));
      if (!first || !last || !country) throw new Error(`${path}:${i + 1}: expected first,last,CC`);
      ranges.push({ first, last, country: country.toUpperCase() });
    }
    return new GeoIp(ranges);
  }

  countryOf(ip: string): string | null {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
    const address = mapped ?? ip;
    const ranges = isIPv4(address) ? this.v4 : isIPv6(address) ? this.v6 : undefined;
    if (!ranges) return null;
    const value = toBigInt(address);
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const range = ranges[mid] as Range;
      if (value < range.first) hi = mid - 1;
      else if (value > range.last) lo = mid + 1;
      else return range.country;
    }
    return null;
  }
}

interface Range {
  first: bigint;
  last: bigint;
  country: string;
}

function toBigInt(ip: string): bigint {
  if (isIPv4(ip)) return ip.split('.').reduce((acc, part) => (acc << 8n) + BigInt(part), 0n);
  // IPv6: expand "::", then 8 groups of 16 bits (an embedded IPv4 tail becomes two groups).
  let text = ip;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (tail) {
    const v4 = toBigInt(tail);
    text = `${text.slice(0, -tail.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest === undefined ? [] : rest ? rest.split(':') : [];
  const groups =
    rest === undefined
      ? left
      : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((acc, group) => (acc << 16n) + BigInt(`0x${group || '0'}`), 0n);
}
