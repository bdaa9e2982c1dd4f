// The login fingerprint (src/provisioning/sync-fingerprint.ts) with its policy part memoised per IdP object: the
// memo must give what a fresh computation gives, and the fingerprint must still follow the claims, the sync
// method and every policy field.
import { describe, expect, it } from 'vitest';
import { defaultJitPolicy, type IdentityProvider } from '../../src/domain/index.js';
import { mapClaims } from '../../src/provisioning/claim-mapping.js';
import { syncFingerprint } from '../../src/provisioning/sync-fingerprint.js';

const idp = {
  id: 'idp-1',
  name: 'Upstream',
  protocol: 'oidc',
  enabled: true,
  trustEmail: false,
  claimMappings: [
    { remote: 'preferred_username', local: 'userName' },
    { remote: 'given_name', local: 'name.givenName' },
    { remote: 'email', local: 'emails[type eq "work"].value' },
  ],
  roleMappings: [],
  jit: { ...defaultJitPolicy(), isEnabled: true },
} as unknown as IdentityProvider;

const claims = { preferred_username: 'ada', given_name: 'Ada', email: 'ada@example.com' };
const mapped = (provider: IdentityProvider, extra: Record<string, unknown> = {}) =>
  mapClaims(provider, { idpId: provider.id, subject: 's-1', claims: { ...claims, ...extra } } as never);
const print = (provider: IdentityProvider, method: 'OVERRIDE_ALL' | 'PRESERVE_LOCAL' = 'OVERRIDE_ALL', extra = {}) =>
  syncFingerprint(provider, method, mapped(provider, extra));

describe('syncFingerprint', () => {
  it('gives the same fingerprint from the memo as from a fresh IdP object with equal fields', () => {
    const first = print(idp);
    expect(print(idp)).toBe(first); // memoised
    expect(print(structuredClone(idp))).toBe(first); // a new object: computed afresh
    // Key order does not matter (canonical JSON).
    const reordered = Object.fromEntries(Object.entries(structuredClone(idp)).reverse()) as IdentityProvider;
    expect(print(reordered)).toBe(first);
  });

  it('follows the sync method on the same IdP object', () => {
    const override = print(idp, 'OVERRIDE_ALL');
    const preserve = print(idp, 'PRESERVE_LOCAL');
    expect(preserve).not.toBe(override);
    expect(print(idp, 'OVERRIDE_ALL')).toBe(override);
    expect(print(idp, 'PRESERVE_LOCAL')).toBe(preserve);
  });

  it('changes with the mapped attributes and with each policy field', () => {
    const base = print(idp);
    expect(print(idp, 'OVERRIDE_ALL', { given_name: 'Eve' })).not.toBe(base);
    expect(print(idp, 'OVERRIDE_ALL', { email_verified: true })).not.toBe(base);
    const variants: IdentityProvider[] = [
      { ...idp, id: 'idp-2' },
      { ...idp, trustEmail: true },
      { ...idp, roleMappings: [{ remote: 'admins', local: 'Admins' }] },
      { ...idp, claimMappings: [...idp.claimMappings, { remote: 'family_name', local: 'name.familyName' }] },
      { ...idp, jit: { ...idp.jit, associateLocalUser: !idp.jit.associateLocalUser } },
      { ...idp, jit: { ...idp.jit, userstore: 'OTHER' } },
    ] as IdentityProvider[];
    const prints = variants.map((v) => print(v));
    expect(new Set([base, ...prints]).size).toBe(variants.length + 1);
  });
});
