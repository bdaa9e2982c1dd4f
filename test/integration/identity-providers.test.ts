// /api/v1/identity-providers: create (OIDC by discovery or explicit endpoints, SAML by metadata or by fields),
// defaults, write-only sealed client secret, validation naming fields, PUT, merge patch, delete cascading links.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import samlifyModule from 'samlify';
import { findIdentityProvider, findIdentityProviderSecrets } from '../../src/store/index.js';
import { identityProviders } from '../../src/store/schema/index.js';
import { startTestServer, type TestServer } from '../support/server.js';

const samlify = samlifyModule as unknown as typeof import('samlify');
const cert = readFileSync(new URL('../support/saml-keys/idp-cert.pem', import.meta.url), 'utf8');

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'identity_providers' });
});
afterAll(async () => server?.stop());

const json = async <T = Record<string, any>>(response: Response) => (await response.json()) as T;
const auditActions = async () =>
  (await json<{ items: Array<{ action: string }> }>(await server.admin('GET', '/api/v1/audit-events?limit=500'))).items.map(
    (e) => e.action,
  );

const oidcBody = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  protocol: 'oidc',
  oidc: { issuer: 'https://login.example.com', clientId: 'bridge', clientSecret: 's3cret-value', ...extra },
});

describe('OIDC identity providers', () => {
  it('creates by issuer with defaults, keeps the secret write-only and sealed', async () => {
    const response = await server.admin('POST', '/api/v1/identity-providers', oidcBody('Corp OIDC'));
    expect(response.status).toBe(201);
    const idp = await json(response);
    expect(response.headers.get('location')).toBe(`${server.url}/api/v1/identity-providers/${idp.id}`);
    expect(idp).toMatchObject({
      name: 'Corp OIDC',
      protocol: 'oidc',
      enabled: true,
      trustEmail: false,
      oidc: {
        issuer: 'https://login.example.com',
        clientId: 'bridge',
        hasClientSecret: true,
        scopes: ['openid', 'profile', 'email'],
        redirectUri: `${server.url}/federation/${idp.id}/callback`,
      },
      provisioning: {
        jit: {
          isEnabled: true,
          scheme: 'PROVISION_SILENTLY',
          userstore: 'PRIMARY',
          allowedUserStores: ['PRIMARY'],
          associateLocalUser: false,
          associateByUsername: false,
          attributeSyncMethod: null,
          mode: 'blocking',
        },
      },
      inactiveAfterDays: null,
    });
    expect(idp.warnings).toBeUndefined();
    expect(JSON.stringify(idp)).not.toContain('s3cret-value');
    expect(idp.claimMappings).toContainEqual({ remote: 'email', local: 'emails[type eq "work"].value' });
    expect(idp.claimMappings).toContainEqual({ remote: 'preferred_username', local: 'userName' });
    // At rest: sealed, not plain.
    const [row] = await server.ctx.store.db.select().from(identityProviders);
    expect(row!.secretsEncrypted).toMatch(/^v2\./);
    expect(JSON.stringify(row)).not.toContain('s3cret-value');
    expect(await findIdentityProviderSecrets(server.ctx.store.db, server.ctx.store.secrets, idp.id)).toEqual({
      clientSecret: 's3cret-value',
    });
    const domain = await findIdentityProvider(server.ctx.store.db, idp.id);
    expect(domain).toMatchObject({ id: idp.id, protocol: 'oidc', jit: { userstore: 'PRIMARY' } });
    expect(await findIdentityProvider(server.ctx.store.db, 'not-a-uuid')).toBeUndefined();
    expect(await auditActions()).toContain('identity_provider.create');
  });

  it('creates with explicit endpoints and requires the three a login needs', async () => {
    const ok = await server.admin(
      'POST',
      '/api/v1/identity-providers',
      oidcBody('Explicit', {
        authorizationEndpoint: 'https://x.example/auth',
        tokenEndpoint: 'https://x.example/token',
        jwksUri: 'https://x.example/jwks',
      }),
    );
    expect(ok.status).toBe(201);
    const partial = await server.admin(
      'POST',
      '/api/v1/identity-providers',
      oidcBody('Partial', { authorizationEndpoint: 'https://x.example/auth' }),
    );
    expect(partial.status).toBe(400);
    const fields = (await json<{ errors: Array<{ field: string }> }>(partial)).errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['oidc.tokenEndpoint', 'oidc.jwksUri']));
  });

  it('refuses bad input naming each field, and writes nothing', async () => {
    const before = (await json<{ items: unknown[] }>(await server.admin('GET', '/api/v1/identity-providers'))).items.length;
    const cases: Array<[unknown, string]> = [
      [oidcBody('Plain http', { issuer: 'http://login.example.com' }), 'oidc.issuer'],
      [{ ...oidcBody('No store'), provisioning: { jit: { userstore: 'NOPE' } } }, 'provisioning.jit.userstore'],
      [{ ...oidcBody('Bad scheme'), provisioning: { jit: { scheme: 'SOMETIMES' } } }, 'provisioning.jit.scheme'],
      [{ name: 'Missing', protocol: 'oidc' }, 'oidc'],
      [{ ...oidcBody('Both'), saml: { entityId: 'x' } }, 'saml'],
      [{ ...oidcBody('Unknown'), colour: 'red' }, 'colour'],
      [oidcBody('No openid', { scopes: ['email'] }), 'oidc.scopes'],
    ];
    for (const [body, field] of cases) {
      const response = await server.admin('POST', '/api/v1/identity-providers', body);
      expect(response.status, field).toBe(400);
      const problem = await json<{ code: string; errors: Array<{ field: string }> }>(response);
      expect(
        problem.errors.map((e) => e.field),
        field,
      ).toContain(field);
    }
    expect((await json<{ items: unknown[] }>(await server.admin('GET', '/api/v1/identity-providers'))).items.length).toBe(before);
  });

  it('refuses a duplicate name with 409', async () => {
    const response = await server.admin('POST', '/api/v1/identity-providers', oidcBody('corp oidc'));
    expect(response.status).toBe(409);
    expect(await json(response)).toMatchObject({ code: 'identity_provider_exists' });
  });

  it('accepts AS_IN_USERNAME and existing domains (upper-cased)', async () => {
    await server.admin('POST', '/api/v1/user-stores', { domain: 'EMPLOYEES' });
    const a = await json(
      await server.admin('POST', '/api/v1/identity-providers', {
        ...oidcBody('Domain from name'),
        provisioning: { jit: { userstore: 'as_in_username' } },
      }),
    );
    expect(a.provisioning.jit.userstore).toBe('AS_IN_USERNAME');
    const b = await json(
      await server.admin('POST', '/api/v1/identity-providers', {
        ...oidcBody('Employees'),
        provisioning: { jit: { userstore: 'employees', mode: 'non-blocking', attributeSyncMethod: 'PRESERVE_LOCAL' } },
        inactiveAfterDays: 30,
      }),
    );
    expect(b.provisioning.jit).toMatchObject({ userstore: 'EMPLOYEES', mode: 'non-blocking', attributeSyncMethod: 'PRESERVE_LOCAL' });
    expect(b.inactiveAfterDays).toBe(30);
  });

  it('names the stores AS_IN_USERNAME may pick (existing ones, upper-cased), and warns while associateByUsername is on', async () => {
    const created = await server.admin('POST', '/api/v1/identity-providers', {
      ...oidcBody('Trusted for usernames'),
      provisioning: { jit: { userstore: 'AS_IN_USERNAME', allowedUserStores: ['primary', 'employees'], associateByUsername: true } },
    });
    expect(created.status).toBe(201);
    const idp = await json(created);
    expect(idp.provisioning.jit).toMatchObject({ allowedUserStores: ['PRIMARY', 'EMPLOYEES'], associateByUsername: true });
    expect(idp.warnings).toEqual([{ code: 'associate_by_username', message: expect.stringContaining('take over the local account') }]);
    expect((await json(await server.admin('GET', `/api/v1/identity-providers/${idp.id}`))).warnings).toHaveLength(1);
    const off = await server.admin(
      'PATCH',
      `/api/v1/identity-providers/${idp.id}`,
      { provisioning: { jit: { associateByUsername: false } } },
      {
        'content-type': 'application/merge-patch+json',
      },
    );
    expect(off.status).toBe(200);
    expect((await json(off)).warnings).toBeUndefined();
    const missing = await server.admin('POST', '/api/v1/identity-providers', {
      ...oidcBody('Unknown store'),
      provisioning: { jit: { userstore: 'AS_IN_USERNAME', allowedUserStores: ['PRIMARY', 'NOWHERE'] } },
    });
    expect(missing.status).toBe(400);
    expect((await json(missing)).errors).toEqual([
      { field: 'provisioning.jit.allowedUserStores.1', message: "user store 'NOWHERE' does not exist" },
    ]);
  });

  it('PUT replaces (an omitted secret is kept), PATCH merges, the protocol cannot change', async () => {
    const idp = await json(await server.admin('POST', '/api/v1/identity-providers', oidcBody('Editable')));
    const put = await server.admin('PUT', `/api/v1/identity-providers/${idp.id}`, {
      name: 'Edited',
      protocol: 'oidc',
      oidc: { issuer: 'https://other.example.com', clientId: 'c2' },
      trustEmail: true,
    });
    expect(put.status).toBe(200);
    const replaced = await json(put);
    expect(replaced).toMatchObject({
      name: 'Edited',
      trustEmail: true,
      oidc: { issuer: 'https://other.example.com', clientId: 'c2', hasClientSecret: true },
      version: 2,
    });
    expect(await findIdentityProviderSecrets(server.ctx.store.db, server.ctx.store.secrets, idp.id)).toEqual({
      clientSecret: 's3cret-value',
    });

    const patched = await server.admin(
      'PATCH',
      `/api/v1/identity-providers/${idp.id}`,
      {
        provisioning: { jit: { isEnabled: false } },
        oidc: { clientSecret: 'rotated' },
        claimMappings: [{ remote: 'upn', local: 'userName' }],
      },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(patched.status).toBe(200);
    const after = await json(patched);
    expect(after).toMatchObject({
      name: 'Edited',
      provisioning: { jit: { isEnabled: false, scheme: 'PROVISION_SILENTLY' } },
      claimMappings: [{ remote: 'upn', local: 'userName' }],
    });
    expect(await findIdentityProviderSecrets(server.ctx.store.db, server.ctx.store.secrets, idp.id)).toEqual({ clientSecret: 'rotated' });

    const removeSecret = await json(await server.admin('PATCH', `/api/v1/identity-providers/${idp.id}`, { oidc: { clientSecret: null } }));
    expect(removeSecret.oidc.hasClientSecret).toBe(false);

    const protocol = await server.admin('PATCH', `/api/v1/identity-providers/${idp.id}`, { protocol: 'saml' });
    expect(protocol.status).toBe(400);
    const badPatch = await server.admin('PATCH', `/api/v1/identity-providers/${idp.id}`, {
      provisioning: { jit: { userstore: 'MISSING' } },
    });
    expect(badPatch.status).toBe(400);
    expect((await json(await server.admin('GET', `/api/v1/identity-providers/${idp.id}`))).provisioning.jit.userstore).toBe('PRIMARY');
  });
});

describe('SAML identity providers', () => {
  const idpEntity = samlify.IdentityProvider({
    entityID: 'https://saml-idp.example.com/metadata',
    signingCert: cert,
    singleSignOnService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: 'https://saml-idp.example.com/sso' }],
  });

  it('creates from metadata XML and shows our SP endpoints', async () => {
    const response = await server.admin('POST', '/api/v1/identity-providers', {
      name: 'Corp SAML',
      protocol: 'saml',
      saml: { metadata: idpEntity.getMetadata() },
    });
    expect(response.status).toBe(201);
    const idp = await json(response);
    expect(idp.saml).toMatchObject({
      entityId: 'https://saml-idp.example.com/metadata',
      ssoUrl: 'https://saml-idp.example.com/sso',
      wantAssertionsSigned: true,
      sp: { entityId: `${server.url}/federation/${idp.id}/saml/metadata`, acsUrl: `${server.url}/federation/${idp.id}/saml/acs` },
    });
    expect(idp.saml.signingCertificates[0]).toContain('-----BEGIN CERTIFICATE-----');
    expect(idp.claimMappings).toContainEqual({ remote: 'urn:oid:0.9.2342.19200300.100.1.3', local: 'emails[type eq "work"].value' });
    expect(idp.claimMappings).toContainEqual({
      remote: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
      local: 'emails[type eq "work"].value',
    });
  });

  it('creates from entityId, ssoUrl and signingCertificate; refuses broken metadata and missing fields', async () => {
    const ok = await server.admin('POST', '/api/v1/identity-providers', {
      name: 'Fields SAML',
      protocol: 'saml',
      saml: { entityId: 'urn:idp', ssoUrl: 'https://idp.example/sso', signingCertificate: cert },
    });
    expect(ok.status).toBe(201);
    const broken = await server.admin('POST', '/api/v1/identity-providers', {
      name: 'Broken',
      protocol: 'saml',
      saml: { metadata: '<nope/>' },
    });
    expect(broken.status).toBe(400);
    expect(await json(broken)).toMatchObject({ code: 'invalid_saml_metadata' });
    const missing = await server.admin('POST', '/api/v1/identity-providers', {
      name: 'Missing',
      protocol: 'saml',
      saml: { entityId: 'urn:idp' },
    });
    expect(missing.status).toBe(400);
    const fields = (await json<{ errors: Array<{ field: string }> }>(missing)).errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['saml.ssoUrl', 'saml.signingCertificate']));
  });
});

describe('deleting an identity provider', () => {
  it('deletes it with its links (users stay) and audits it; a second delete is 404', async () => {
    const idp = await json(await server.admin('POST', '/api/v1/identity-providers', oidcBody('Doomed')));
    const response = await server.admin('DELETE', `/api/v1/identity-providers/${idp.id}`);
    expect(response.status).toBe(204);
    expect((await server.admin('GET', `/api/v1/identity-providers/${idp.id}`)).status).toBe(404);
    expect((await server.admin('DELETE', `/api/v1/identity-providers/${idp.id}`)).status).toBe(404);
    expect(await auditActions()).toContain('identity_provider.delete');
  });
});
