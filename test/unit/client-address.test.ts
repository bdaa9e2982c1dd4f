import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { resolveClientAddress, TrustedProxies } from '../../src/http/index.js';

describe('resolveClientAddress', () => {
  const none = new TrustedProxies([]);
  const proxies = new TrustedProxies(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);

  it('is the socket peer when no proxy is trusted, whatever the header says', () => {
    expect(resolveClientAddress('198.51.100.4', '203.0.113.1', none)).toBe('198.51.100.4');
    expect(resolveClientAddress('::ffff:198.51.100.4', null, none)).toBe('198.51.100.4');
    expect(resolveClientAddress(undefined, '203.0.113.1', none)).toBeNull();
  });

  it('ignores the header from a peer that is not a trusted proxy', () => {
    expect(resolveClientAddress('198.51.100.4', '203.0.113.1', proxies)).toBe('198.51.100.4');
  });

  it('walks the header from the right past trusted hops', () => {
    expect(resolveClientAddress('10.0.0.2', '203.0.113.1', proxies)).toBe('203.0.113.1');
    expect(resolveClientAddress('::ffff:10.0.0.2', '6.6.6.6, 203.0.113.1, 192.0.2.7', proxies)).toBe('203.0.113.1');
    expect(resolveClientAddress('fd00::1', '2001:db8::5', proxies)).toBe('2001:db8::5');
  });

  it('stops at a hop that is not an address, and uses the left-most when every hop is trusted', () => {
    expect(resolveClientAddress('10.0.0.2', 'junk, 10.9.9.9', proxies)).toBe('10.9.9.9');
    expect(resolveClientAddress('10.0.0.2', '10.3.3.3, 10.9.9.9', proxies)).toBe('10.3.3.3');
    expect(resolveClientAddress('10.0.0.2', '', proxies)).toBe('10.0.0.2');
  });
});

describe('TRUSTED_PROXIES', () => {
  it('accepts addresses and CIDR ranges, comma-separated', () => {
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, ::1 ,192.0.2.7' }).trustedProxies).toEqual(['10.0.0.0/8', '::1', '192.0.2.7']);
    expect(loadConfig({}).trustedProxies).toEqual([]);
  });

  it('refuses anything else at start-up, naming the variable', () => {
    for (const bad of ['10.0.0.0/33', 'proxy.internal', '10.0.0.0/8/1', 'fd00::/129', '10.0.0.0/x']) {
      expect(() => loadConfig({ TRUSTED_PROXIES: bad })).toThrow(
        /^TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR ranges/,
      );
    }
  });
});
