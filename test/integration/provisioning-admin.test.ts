// The admin side of provisioning: the dry run (simulate), a user with per-attribute provenance and its links,
// and locking a link through the API.
import { UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionLogin } from '../../src/provisioning/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { auditFor, count, createIdp, deps, identity } from './provisioning-fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'prov_admin' });
});
afterAll(async () => server?.stop());

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as Record<string, any> });

describe('POST /identity-providers/{id}/simulate', () => {
  it('plans a first login from a claim set and writes nothing', async () => {
    const idp = await createIdp(server, { roleMappings: [{ remote: 'staff', local: 'Staff' }] });
    const before = [await count(server, 'users'), await count(server, 'groups')];
    const { status, body } = await json(
      await server.admin('POST', `/api/v1/identity-providers/${idp.id}/simulate`, {
        claims: { sub: 'sim-1', preferred_username: 'simone', email: 'simone@example.com', groups: ['staff'] },
      }),
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      signaturesChecked: false,
      decision: 'create',
      outcome: 'created',
      userName: 'simone',
      before: null,
      after: { userName: 'simone', emails: [{ type: 'work', value: 'simone@example.com' }] },
      groups: { add: ['Staff'], create: ['Staff'], remove: [] },
      auditEvent: { action: 'jit.user.create' },
    });
    expect(body.notice).toMatch(/NOT checked/);
    expect(body.outboxEvents.map((e: { eventType: string }) => e.eventType)).toEqual(['create', 'group.create', 'group.member_add']);
    expect([await count(server, 'users'), await count(server, 'groups')]).toEqual(before);
  });

  it('decodes an ID token and a SAML response without trusting them', async () => {
    const idp = await createIdp(server, {
      claimMappings: [
        { remote: 'preferred_username', local: 'userName' },
        { remote: 'mail', local: 'emails' },
      ],
    });
    const token = new UnsecuredJWT({ sub: 'tok-1', preferred_username: 'tokuser' }).encode();
    const fromToken = await json(await server.admin('POST', `/api/v1/identity-providers/${idp.id}/simulate`, { idToken: token }));
    expect(fromToken.body).toMatchObject({ input: { source: 'idToken', subject: 'tok-1' }, userName: 'tokuser', signaturesChecked: false });

    const xml = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">
      <saml:Assertion><saml:Subject><saml:NameID>saml-subject-1</saml:NameID></saml:Subject>
      <saml:AttributeStatement>
        <saml:Attribute Name="preferred_username"><saml:AttributeValue>samluser</saml:AttributeValue></saml:Attribute>
        <saml:Attribute Name="mail"><saml:AttributeValue>a@example.com</saml:AttributeValue><saml:AttributeValue>b@example.com</saml:AttributeValue></saml:Attribute>
      </saml:AttributeStatement></saml:Assertion></samlp:Response>`;
    const fromSaml = await json(
      await server.admin('POST', `/api/v1/identity-providers/${idp.id}/simulate`, { samlResponse: Buffer.from(xml).toString('base64') }),
    );
    expect(fromSaml.body).toMatchObject({
      input: { source: 'samlResponse', subject: 'saml-subject-1', claims: { mail: ['a@example.com', 'b@example.com'] } },
      after: { userName: 'samluser', emails: [{ value: 'a@example.com' }, { value: 'b@example.com' }] },
    });
  });

  it('plans a login through a disabled IdP as if it were enabled, and warns that it is off', async () => {
    const idp = await createIdp(server);
    expect((await server.admin('PATCH', `/api/v1/identity-providers/${idp.id}`, { enabled: false })).status).toBe(200);
    const { body } = await json(
      await server.admin('POST', `/api/v1/identity-providers/${idp.id}/simulate`, {
        claims: { sub: 'off-1', preferred_username: 'offline' },
      }),
    );
    expect(body).toMatchObject({ decision: 'create', userName: 'offline', refusal: null });
    expect(body.warnings[0]).toMatch(/disabled: logins through it are refused until it is enabled/);
  });

  it('shows the decision for a returning identity: the diff and provenance changes', async () => {
    const idp = await createIdp(server, { jit: { attributeSyncMethod: 'PRESERVE_LOCAL' } });
    await provisionLogin(deps(server), idp, identity(idp, 'ret-1', { preferred_username: 'returner', given_name: 'Ret' }));
    const { body } = await json(
      await server.admin('POST', `/api/v1/identity-providers/${idp.id}/simulate`, {
        subject: 'ret-1',
        claims: { preferred_username: 'returner', given_name: 'Rita' },
      }),
    );
    expect(body).toMatchObject({ decision: 'link_found', outcome: 'updated', linkExists: true, syncMethod: 'PRESERVE_LOCAL' });
    expect(body.diff).toEqual([{ attribute: 'name', op: 'replace', before: { givenName: 'Ret' }, after: { givenName: 'Rita' } }]);
    expect(body.provenanceChanges.map((c: { path: string }) => c.path)).toEqual(['name.givenName']);
  });

  it('refuses bad input with problem+json', async () => {
    const idp = await createIdp(server);
    const both = await server.admin('POST', `/api/v1/identity-providers/${idp.id}/simulate`, { claims: { sub: 'x' }, idToken: 'a.b.c' });
    expect(both.status).toBe(400);
    expect(await both.json()).toMatchObject({ code: 'invalid_simulation_input' });
    const noSubject = await server.admin('POST', `/api/v1/identity-providers/${idp.id}/simulate`, { claims: { email: 'x@example.com' } });
    expect(await noSubject.json()).toMatchObject({ code: 'subject_required' });
    const missing = await server.admin('POST', `/api/v1/identity-providers/00000000-0000-4000-8000-000000000000/simulate`, {
      claims: { sub: 'x' },
    });
    expect(missing.status).toBe(404);
  });
});

describe('users, provenance and federated identities', () => {
  it('GET /users/{id} shows provenance and links; PATCH locks the link and logins are refused', async () => {
    const idp = await createIdp(server);
    const result = await provisionLogin(deps(server), idp, identity(idp, 'adm-1', { preferred_username: 'adminview', given_name: 'Ada' }));
    if (result.kind !== 'user') throw new Error('expected a user');
    const { status, body } = await json(await server.admin('GET', `/api/v1/users/${result.userId}`));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: result.userId,
      userName: 'adminview',
      userStore: { domain: 'PRIMARY' },
      jitIdpId: idp.id,
      resource: { id: result.userId, name: { givenName: 'Ada' } },
    });
    expect(body.provenance['name.givenName']).toMatchObject({ source: 'idp', sourceId: idp.id });
    expect(body.federatedIdentities).toHaveLength(1);
    const link = body.federatedIdentities[0];
    expect(link).toMatchObject({ idpId: idp.id, subject: 'adm-1', locked: false });

    const links = await json(await server.admin('GET', `/api/v1/users/${result.userId}/federated-identities`));
    expect(links.body.items).toEqual([link]);
    const locked = await json(
      await server.admin(
        'PATCH',
        `/api/v1/federated-identities/${link.id}`,
        { locked: true },
        { 'content-type': 'application/merge-patch+json' },
      ),
    );
    expect(locked.body.locked).toBe(true);
    expect((await auditFor(server, 'federated_identity.lock')).map((a) => a.targetId)).toContain(link.id);
    expect(await provisionLogin(deps(server), idp, identity(idp, 'adm-1', {}))).toMatchObject({ kind: 'refused', code: 'link_locked' });
    await server.admin('PATCH', `/api/v1/federated-identities/${link.id}`, { locked: false });
    expect(
      await provisionLogin(deps(server), idp, identity(idp, 'adm-1', { preferred_username: 'adminview', given_name: 'Ada' })),
    ).toMatchObject({ kind: 'user', outcome: 'unchanged' });
    expect((await server.admin('GET', `/api/v1/federated-identities/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await server.admin('GET', `/api/v1/users/${crypto.randomUUID()}`)).status).toBe(404);
  });
});
