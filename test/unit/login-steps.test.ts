// The login's steps that decide without a database (src/login/steps): which IdP, which factors, which scopes,
// which claims the connector still needs, what a refused person is told.
import { describe, expect, it } from 'vitest';
import { chooseIdp } from '../../src/login/steps/choose-idp.js';
import { requestedScopes } from '../../src/login/steps/consent.js';
import { factorsOf } from '../../src/login/steps/mfa.js';
import { missingClaims, refusedMessage } from '../../src/login/steps/provision-identity.js';
import { idpWithoutPage, offersLocal } from '../../src/login/steps/sign-in-options.js';
import type { IdentityProvider } from '../../src/domain/index.js';
import type { IdentityProviderRecord } from '../../src/store/index.js';

const flow = (...first: Array<{ idp: string } | { authenticator: string }>) => ({ steps: [{ options: first }] });
const idp = (id: string) => ({ id, name: id, protocol: 'oidc', enabled: true }) as IdentityProviderRecord;

describe('choose the IdP', () => {
  it('takes the idp parameter first, then the only IdP, else a chooser; LOCAL alone goes to the password page', () => {
    expect(chooseIdp({ signInFlow: flow() }, { idp: 'b' }, [idp('a')])).toEqual({ kind: 'start', idpId: 'b' });
    expect(chooseIdp({ signInFlow: flow() }, {}, [idp('a')])).toEqual({ kind: 'start', idpId: 'a' });
    expect(chooseIdp({ signInFlow: flow() }, {}, [idp('a'), idp('b')])).toMatchObject({ kind: 'chooser', local: false });
    const local = flow({ authenticator: 'LOCAL' });
    expect(chooseIdp({ signInFlow: local }, {}, [idp('a')])).toMatchObject({ kind: 'chooser', local: true });
    expect(chooseIdp({ signInFlow: local }, {}, [])).toEqual({ kind: 'local' });
    expect(chooseIdp({ signInFlow: flow() }, {}, [])).toEqual({ kind: 'none' });
  });

  it('starts without a page only when no page is needed', () => {
    expect(idpWithoutPage({ identityProviders: ['a'], signInFlow: flow() }, {})).toBe('a');
    expect(idpWithoutPage({ identityProviders: ['a', 'b'], signInFlow: flow() }, {})).toBeNull();
    expect(idpWithoutPage({ identityProviders: ['a', 'b'], signInFlow: flow() }, { idp: 'b' })).toBe('b');
    expect(idpWithoutPage({ identityProviders: ['a'], signInFlow: flow({ authenticator: 'LOCAL' }) }, {})).toBeNull();
    expect(offersLocal({ signInFlow: { steps: [] } })).toBe(false);
  });
});

describe('the second step', () => {
  it('offers a ready factor first and TOTP enrolment last, beside Email OTP', () => {
    expect(
      factorsOf([
        { authenticator: 'TOTP', state: 'needs_enrolment' },
        { authenticator: 'EMAIL_OTP', state: 'ready' },
      ] as never),
    ).toEqual(['EMAIL_OTP', 'TOTP_ENROL']);
    expect(factorsOf([{ authenticator: 'TOTP', state: 'ready' }] as never)).toEqual(['TOTP', 'RECOVERY_CODE']);
  });
});

describe('consent', () => {
  it('lists the supported scopes asked for, in order, with their claims', () => {
    const scopes = { supported: ['openid', 'email', 'offline_access'], claims: { email: ['email', 'email_verified'] } };
    expect(requestedScopes({ scope: 'openid email made-up offline_access' }, scopes)).toEqual([
      { scope: 'openid', claims: [] },
      { scope: 'email', claims: ['email', 'email_verified'] },
      { scope: 'offline_access', claims: [] },
    ]);
  });
});

describe('provision the identity', () => {
  const configured = {
    trustEmail: false,
    claimMappings: [{ remote: 'email', local: 'emails[type eq "work"].value' }],
    roleMappings: [],
  } as unknown as IdentityProvider;

  it('tells the connector which mapped claims the ID token lacks', () => {
    expect(missingClaims(configured, { sub: 's', email: 'a@x.org' })).toEqual(['email_verified']);
    expect(missingClaims(configured, { sub: 's', EMAIL: 'a@x.org', email_verified: true })).toEqual([]);
  });

  it('tells a refused person nothing about local accounts, only a reference', () => {
    expect(refusedMessage('username_taken', 'AB12')).not.toContain('username');
    expect(refusedMessage('username_taken', 'AB12')).toContain('AB12');
    expect(refusedMessage('user_locked', 'AB12')).toContain('locked');
  });
});
