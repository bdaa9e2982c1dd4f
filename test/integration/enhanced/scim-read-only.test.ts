// The enhanced feature's read-only rule at the SCIM edge: PUT/PATCH of a JIT-provisioned user's attributes →
// 400 scimType `mutability` naming the attribute and nothing written; `active` (lock/unlock) and DELETE stay
// allowed; users that no IdP provisioned, and every user while the feature is off, stay writable.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultJitPolicy } from '../../../src/domain/index.js';
import { identityProviders, users } from '../../../src/store/schema/index.js';
import { createScimClient, newUser, PATCH_SCHEMA, type ScimTestClient } from '../../support/scim-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let scim: ScimTestClient;
let idpId: string;
beforeAll(async () => {
  server = await startTestServer({ label: 'scim_read_only' });
  scim = await createScimClient(server, { name: 'read-only rule' });
  const [idp] = await server.ctx.store.db
    .insert(identityProviders)
    .values({
      name: 'upstream',
      protocol: 'oidc',
      protocolConfig: { issuer: 'https://upstream.example', clientId: 'c', scopes: ['openid'] },
      jit: { ...defaultJitPolicy(), isEnabled: true },
      options: {},
    })
    .returning();
  idpId = idp!.id;
});
afterAll(async () => server?.stop());

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_SCHEMA], Operations });
const setEnhanced = async (on: boolean) =>
  expect((await server.admin('PATCH', '/api/v1/settings', { jit: { enhancedFeature: on } })).status).toBe(200);

/** A user created over SCIM, then marked as JIT-provisioned by the IdP (as provisioning would). */
async function jitUser(userName: string): Promise<string> {
  const created = await scim.json('POST', '/Users', newUser(userName, { title: 'engineer', name: { givenName: 'Ada' } }));
  expect(created.status).toBe(201);
  await server.ctx.store.db.update(users).set({ jitIdpId: idpId }).where(eq(users.id, created.body.id));
  return created.body.id;
}
const stored = async (id: string) => (await server.ctx.store.db.select().from(users).where(eq(users.id, id)))[0]!;

describe('enhanced feature on: JIT users are read-only over SCIM', () => {
  beforeAll(() => setEnhanced(true));

  it('PATCH of an attribute → 400 mutability naming it; nothing written', async () => {
    const id = await jitUser('ro.patch');
    const before = await stored(id);
    const answer = await scim.json('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'boss' }));
    expect(answer.status).toBe(400);
    expect(answer.body.scimType).toBe('mutability');
    expect(answer.body.detail).toContain("'title'");
    const after = await stored(id);
    expect(after.version).toBe(before.version);
    expect((after.resource as { title?: string }).title).toBe('engineer');
  });

  it('PUT that changes an attribute → 400 mutability; a PUT that changes only active passes', async () => {
    const id = await jitUser('ro.put');
    const refused = await scim.json('PUT', `/Users/${id}`, newUser('ro.put', { title: 'engineer', name: { givenName: 'Grace' } }));
    expect(refused.status).toBe(400);
    expect(refused.body.scimType).toBe('mutability');
    expect(refused.body.detail).toContain('name');
    expect(((await stored(id)).resource as { name: { givenName: string } }).name.givenName).toBe('Ada');
    const lock = await scim.json(
      'PUT',
      `/Users/${id}`,
      newUser('ro.put', { title: 'engineer', name: { givenName: 'Ada' }, active: false }),
    );
    expect(lock.status).toBe(200);
    expect((await stored(id)).active).toBe(false);
  });

  it('admins can still lock, unlock (active) and delete', async () => {
    const id = await jitUser('ro.active');
    expect((await scim.json('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }))).status).toBe(200);
    expect((await stored(id)).active).toBe(false);
    expect((await scim.json('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { active: true } }))).status).toBe(200);
    expect((await stored(id)).active).toBe(true);
    expect((await scim.call('DELETE', `/Users/${id}`)).status).toBe(204);
    expect(await server.ctx.store.db.select().from(users).where(eq(users.id, id))).toHaveLength(0);
  });

  it('a password set over SCIM is not an attribute write (allowed); refused writes inside /Bulk too', async () => {
    const id = await jitUser('ro.password');
    expect(
      (await scim.json('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'password', value: 'violet-harbour-lantern' }))).status,
    ).toBe(200);
    expect((await stored(id)).passwordHash).toBeTruthy();
    const bulk = await scim.json('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [{ method: 'PATCH', path: `/Users/${id}`, data: patch({ op: 'replace', path: 'title', value: 'boss' }) }],
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.Operations[0].status).toBe('400');
    expect(bulk.body.Operations[0].response.scimType).toBe('mutability');
    expect(((await stored(id)).resource as { title?: string }).title).toBe('engineer');
  });

  it('a user no IdP provisioned stays writable', async () => {
    const created = await scim.json('POST', '/Users', newUser('ro.local', { title: 'engineer' }));
    const answer = await scim.json('PATCH', `/Users/${created.body.id}`, patch({ op: 'replace', path: 'title', value: 'boss' }));
    expect(answer.status).toBe(200);
    expect(answer.body.title).toBe('boss');
  });
});

describe('enhanced feature off', () => {
  beforeAll(() => setEnhanced(false));

  it('JIT users are writable over SCIM', async () => {
    const id = await jitUser('rw.jit');
    const answer = await scim.json('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'boss' }));
    expect(answer.status).toBe(200);
    expect(answer.body.title).toBe('boss');
  });
});
