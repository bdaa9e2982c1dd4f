// Throttle keys of LOCAL sign-in: accounts by store and lower-cased name, addresses by IPv4 or IPv6 /64.
import { describe, expect, it } from 'vitest';
import { addressBucket, throttleKeys } from '../../src/accounts/local-credentials.js';

describe('throttle keys', () => {
  it('counts an account by domain and name, case-insensitively, PRIMARY when no prefix', () => {
    expect(throttleKeys(' Alice ', null)).toEqual({ account: 'account:PRIMARY/alice', address: null });
    expect(throttleKeys('employees/Bob', '192.0.2.1')).toEqual({ account: 'account:EMPLOYEES/bob', address: 'address:192.0.2.1' });
  });

  it('counts IPv4 (also IPv4-mapped) per address and IPv6 per /64', () => {
    expect(addressBucket('198.51.100.7')).toBe('198.51.100.7');
    expect(addressBucket('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(addressBucket('2001:db8:85a3:1234:0:8a2e:370:7334')).toBe('2001:db8:85a3:1234::/64');
    expect(addressBucket('2001:DB8:85A3:1234::1')).toBe('2001:db8:85a3:1234::/64');
    expect(addressBucket('[2001:db8::1]')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
  });
});
