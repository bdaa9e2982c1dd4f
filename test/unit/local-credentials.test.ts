// Throttle keys of LOCAL sign-in: accounts by store and lower-cased name, addresses by IPv4 or IPv6 /64, and the
// account from one address; the rules derived from the operator's settings.
import { describe, expect, it } from 'vitest';
import { addressBucket, throttleKeys, throttleRules } from '../../src/accounts/sign-in-throttle.js';

describe('throttle keys', () => {
  it('counts an account by domain and name, case-insensitively, PRIMARY when no prefix', () => {
    expect(throttleKeys(' Alice ', null)).toEqual({
      account: 'account:PRIMARY/alice',
      address: null,
      accountFromAddress: 'pair:unknown|account:PRIMARY/alice',
      known: 'known:unknown|account:PRIMARY/alice',
    });
    expect(throttleKeys('employees/Bob', '2001:db8::1')).toEqual({
      account: 'account:EMPLOYEES/bob',
      address: 'address:2001:db8:0:0::/64',
      accountFromAddress: 'pair:2001:db8:0:0::/64|account:EMPLOYEES/bob',
      known: 'known:2001:db8:0:0::/64|account:EMPLOYEES/bob',
    });
  });

  it('derives a ceiling that slows the account for a minute at most', () => {
    const rules = throttleRules({
      failuresBeforeWait: 5,
      waitIncrementSeconds: 120,
      maxWaitSeconds: 900,
      failureResetSeconds: 3600,
      accountCeiling: 50,
    });
    expect(rules.accountFromAddress).toEqual({
      freeFailures: 5,
      waitIncrementSeconds: 120,
      maxWaitSeconds: 900,
      failureResetSeconds: 3600,
    });
    expect(rules.address.freeFailures).toBe(20);
    expect(rules.account).toEqual({ freeFailures: 50, waitIncrementSeconds: 60, maxWaitSeconds: 60, failureResetSeconds: 3600 });
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
