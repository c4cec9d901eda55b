import { describe, expect, it } from 'vitest';
import { type AddressClass, addressClass, literalAddress } from '../src/index.ts';

describe('addressClass', () => {
  const cases: Array<[string, AddressClass]> = [
    ['8.8.8.8', 'public'],
    ['93.184.215.14', 'public'],
    ['1.1.1.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.0.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['100.64.1.1', 'carrier-grade-nat'],
    ['100.127.255.254', 'carrier-grade-nat'],
    ['100.128.0.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['2001:4860:4860::8888', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'unique-local'],
    ['fd00::1', 'unique-local'],
    ['fd00:ec2::254', 'metadata'],
    ['fd00:ec2::23', 'metadata'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    ['2002:a00:5::1', 'reserved'], // 6to4
    ['2001::1', 'reserved'], // Teredo
    ['::a00:5', 'reserved'], // IPv4-compatible (deprecated)
    ['4000::1', 'reserved'], // outside 2000::/3
    // IPv4-mapped and NAT64 addresses are what their IPv4 part is.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:a00:5', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:100.64.1.1', 'carrier-grade-nat'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a00:5', 'private'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::808:808', 'public'],
  ];
  it.each(cases)('%s is %s', (address, expected) => {
    expect(addressClass(address)).toBe(expected);
  });

  it('refuses what is not an address instead of guessing', () => {
    for (const input of [
      'localhost',
      '0x7f000001',
      '2130706433',
      '127.1',
      '[::1]',
      '',
      '1.2.3.4.5',
    ])
      expect(() => addressClass(input)).toThrow(TypeError);
  });
});

describe('literalAddress', () => {
  it('reads the address a URL host is written as, and nothing from a name', () => {
    expect(literalAddress(new URL('http://10.0.0.5:8080/x').hostname)).toBe('10.0.0.5');
    expect(literalAddress(new URL('http://[::1]/x').hostname)).toBe('::1');
    expect(literalAddress(new URL('http://[::ffff:127.0.0.1]/x').hostname)).toBe('::ffff:7f00:1');
    // The URL parser normalizes the other IPv4 spellings before anyone classifies them.
    expect(literalAddress(new URL('http://0x7f000001/').hostname)).toBe('127.0.0.1');
    expect(literalAddress(new URL('http://2130706433/').hostname)).toBe('127.0.0.1');
    expect(literalAddress(new URL('http://127.1/').hostname)).toBe('127.0.0.1');
    expect(literalAddress(new URL('https://hooks.example.com/').hostname)).toBeUndefined();
    expect(literalAddress(new URL('https://localhost/').hostname)).toBeUndefined();
  });
});
