// Claim mapping: remote claims (OIDC or SAML, possibly multi-valued) → SCIM values, usernames, roles → groups.
import { describe, expect, it } from 'vitest';
import { defaultJitPolicy, type IdentityProvider } from '../../src/domain/index.js';
import { buildFederatedResource, mapClaims, readClaim } from '../../src/provisioning/claim-mapping.js';

const idp = (claimMappings: IdentityProvider['claimMappings'], extra: Partial<IdentityProvider> = {}): IdentityProvider => ({
  id: 'idp',
  name: 'idp',
  protocol: 'saml',
  enabled: true,
  trustEmail: false,
  claimMappings,
  roleMappings: [],
  inactiveAfterDays: null,
  jit: defaultJitPolicy(),
  ...extra,
});
const who = (claims: Record<string, unknown>) => ({
  idpId: 'idp',
  subject: 's',
  claims,
  authnContext: { protocol: 'saml' as const, amr: [], acr: null, authTime: null, sessionId: null },
});

describe('mapClaims', () => {
  it('takes the first mapping with a value for one path (SAML defaults list several username attributes)', () => {
    const mapped = mapClaims(
      idp([
        { remote: 'urn:oid:0.9.2342.19200300.100.1.1', local: 'userName' },
        { remote: 'uid', local: 'userName' },
        { remote: 'mail', local: 'emails[type eq "work"].value' },
        { remote: 'email', local: 'emails[type eq "work"].value' },
      ]),
      who({ uid: ['second'], 'urn:oid:0.9.2342.19200300.100.1.1': ['first'], email: 'b@x.org', mail: ['a@x.org'] }),
    );
    expect(mapped.userName).toBe('first');
    expect(mapped.values.get('emails[type eq "work"].value')?.value).toBe('a@x.org');
    expect(mapped.email).toBe('a@x.org');
  });

  it('single-valued targets take the first value; multi-valued targets take all; numbers become strings', () => {
    const mapped = mapClaims(
      idp([
        { remote: 'cn', local: 'displayName' },
        { remote: 'mail', local: 'emails' },
        { remote: 'employeeNumber', local: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber' },
      ]),
      who({ cn: ['Ann', 'Annie'], mail: ['a@x.org', '', 'b@x.org'], employeeNumber: 42 }),
    );
    const resource = buildFederatedResource(mapped, 'ann');
    expect(resource).toMatchObject({
      displayName: 'Ann',
      emails: [{ value: 'a@x.org' }, { value: 'b@x.org' }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '42' },
    });
  });

  it('roles: the claim mapped to groups, else the usual role claims; unmapped roles are reported', () => {
    const withMapping = mapClaims(
      idp([{ remote: 'memberOf', local: 'groups' }], {
        roleMappings: [
          { remote: 'cn=eng', local: 'Engineering' },
          { remote: 'cn=all', local: 'Everyone' },
        ],
      }),
      who({ memberOf: ['cn=eng', 'cn=all', 'cn=other'], groups: ['ignored'] }),
    );
    expect(withMapping.groups).toEqual(['Engineering', 'Everyone']);
    expect(withMapping.unmappedRoles).toEqual(['cn=other']);
    const byDefault = mapClaims(
      idp([], { roleMappings: [{ remote: 'admin', local: 'Admins' }] }),
      who({ 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role': ['admin'] }),
    );
    expect(byDefault.groups).toEqual(['Admins']);
  });

  it('email is verified only by email_verified true or a trusted IdP', () => {
    const mappings = [{ remote: 'email', local: 'emails[type eq "work"].value' }];
    expect(mapClaims(idp(mappings), who({ email: 'a@x.org' })).emailVerified).toBe(false);
    expect(mapClaims(idp(mappings), who({ email: 'a@x.org', email_verified: 'false' })).emailVerified).toBe(false);
    expect(mapClaims(idp(mappings), who({ email: 'a@x.org', email_verified: true })).emailVerified).toBe(true);
    expect(mapClaims(idp(mappings, { trustEmail: true }), who({ email: 'a@x.org' })).emailVerified).toBe(true);
  });

  it('reports a mapping to a path it cannot write, and reads nested OIDC claims', () => {
    const mapped = mapClaims(
      idp([
        { remote: 'x', local: 'emails[value co "y"]' },
        { remote: 'address.locality', local: 'addresses[type eq "work"].locality' },
      ]),
      who({ x: 'v', address: { locality: 'Paris' } }),
    );
    expect(mapped.problems).toHaveLength(1);
    expect(readClaim({ address: { locality: 'Paris' } }, 'address.locality')).toBe('Paris');
    expect(buildFederatedResource(mapped, 'u').addresses).toEqual([{ type: 'work', locality: 'Paris' }]);
  });
});
