import { describe, expect, it } from 'vitest';
import { needsUserinfo as askUserinfo } from '../../src/federation/oidc.js';
import { missingClaims } from '../../src/login/steps/provision-identity.js';
import type { IdentityProvider } from '../../src/domain/index.js';

// The connector asks the login which mapped claims the ID token lacks (missingClaims), then whether the IdP has them.
const needsUserinfo = (configured: IdentityProvider, token: Record<string, unknown>, supported: string[] | undefined) =>
  askUserinfo(missingClaims(configured, token), supported);

const idp = (over: Partial<IdentityProvider> = {}) =>
  ({
    trustEmail: false,
    claimMappings: [
      { remote: 'email', local: 'emails[type eq "work"].value' },
      { remote: 'address.locality', local: 'addresses[type eq "work"].locality' },
    ],
    roleMappings: [],
    ...over,
  }) as IdentityProvider;

const SUPPORTED = ['sub', 'email', 'email_verified', 'address', 'groups'];

describe('needsUserinfo', () => {
  it('skips the call when the ID token carries every claim the provisioning uses', () => {
    expect(needsUserinfo(idp(), { sub: 's', email: 'a@x.org', email_verified: true, address: { locality: 'Oslo' } }, SUPPORTED)).toBe(
      false,
    );
  });

  it('calls it when a used claim is missing and the IdP may supply it', () => {
    expect(needsUserinfo(idp(), { sub: 's', email: 'a@x.org', email_verified: true }, SUPPORTED)).toBe(true);
    // email_verified decides whether the address counts as verified, unless the IdP is trusted for email.
    expect(needsUserinfo(idp(), { sub: 's', email: 'a@x.org', address: { locality: 'Oslo' } }, SUPPORTED)).toBe(true);
    expect(needsUserinfo(idp({ trustEmail: true }), { sub: 's', email: 'a@x.org', address: { locality: 'Oslo' } }, SUPPORTED)).toBe(false);
    // An IdP that does not say which claims it supports might have any of them.
    expect(needsUserinfo(idp(), { sub: 's', email: 'a@x.org', email_verified: true }, undefined)).toBe(true);
  });

  it('does not call it for claims the IdP says it never supplies', () => {
    expect(needsUserinfo(idp(), { sub: 's', email: 'a@x.org', email_verified: true }, ['sub', 'email', 'email_verified'])).toBe(false);
  });

  it('needs the role claims only when there are role mappings', () => {
    const token = { sub: 's', email: 'a@x.org', email_verified: true, address: { locality: 'Oslo' } };
    expect(needsUserinfo(idp(), token, SUPPORTED)).toBe(false);
    expect(needsUserinfo(idp({ roleMappings: [{ remote: 'admins', local: 'Admins' }] }), token, SUPPORTED)).toBe(true);
    expect(needsUserinfo(idp({ roleMappings: [{ remote: 'admins', local: 'Admins' }] }), { ...token, groups: ['admins'] }, SUPPORTED)).toBe(
      false,
    );
  });
});
