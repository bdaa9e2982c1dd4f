// The small pure parts of a SAML app's sign-in through the OIDC login: which clients get the SAML return route, and
// what counts as MFA for the AuthnContextClassRef.
import { describe, expect, it } from 'vitest';
import { samlClientOverlay } from '../../src/oidc/saml-clients.js';
import { usedMfa } from '../../src/oidc/saml-person.js';

describe('saml: clients', () => {
  it('always come back to the SAML return route as public code + PKCE clients; other clients are left alone', () => {
    expect(samlClientOverlay('saml:6f1c7a52-8d59-4a4e-9d57-4f8c1ab0a001', 'https://login.example.com')).toMatchObject({
      redirect_uris: ['https://login.example.com/saml/sso/return'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'none',
    });
    expect(samlClientOverlay('app_abc', 'https://login.example.com')).toEqual({});
  });
});

describe('MFA from the code', () => {
  it('amr with a second factor (jitbridge OTP or upstream mfa) or a REFEDS MFA acr', () => {
    expect(usedMfa({ amr: ['pwd'] })).toBe(false);
    expect(usedMfa({})).toBe(false);
    expect(usedMfa({ amr: ['pwd', 'otp', 'mfa'] })).toBe(true);
    expect(usedMfa({ amr: ['hwk'] })).toBe(true);
    expect(usedMfa({ amr: ['pwd'], acr: 'https://refeds.org/profile/mfa' })).toBe(true);
    expect(usedMfa({ amr: ['pwd'], acr: 'urn:example:loa:2' })).toBe(false);
  });
});
