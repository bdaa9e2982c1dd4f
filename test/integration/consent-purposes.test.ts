// /api/v1/consent-purposes CRUD, consent receipts per user and their revocation (attributes removed,
// audit and outbox written, nothing written on bad input), on the embedded database or PostgreSQL.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCIM_USER_SCHEMA, type ScimUserResource } from '../../src/domain/index.js';
import { decideConsent } from '../../src/provisioning/consent.js';
import { recordConsentReceipts, type StoredConsentPurpose, insertUser } from '../../src/store/index.js';
import { rows } from '../../src/store/database.js';
import { users } from '../../src/store/schema/index.js';
import { getUserStoreByDomain } from '../../src/store/user-stores-repo.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'consent' });
});
afterAll(async () => server?.stop());

const json = async <T = Record<string, unknown>>(response: Response) => (await response.json()) as T;
const count = async (table: 'audit_events' | 'outbox_events' | 'consent_purposes' | 'consent_receipts') =>
  Number((await rows<{ n: number }>(server.ctx.store.db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n);

const recovery = {
  purpose: 'Account recovery',
  description: 'To help you back into your account',
  piiCategories: [
    { claim: 'emails[type eq "work"].value', mandatory: true },
    { claim: 'phonenumbers', mandatory: false },
    { claim: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department' },
  ],
};

describe('consent purposes CRUD', () => {
  let id: string;

  it('creates a purpose with canonical SCIM paths, 201 with Location, and audits it', async () => {
    const audits = await count('audit_events');
    const response = await server.admin('POST', '/api/v1/consent-purposes', recovery);
    expect(response.status).toBe(201);
    const body = await json<StoredConsentPurpose & { id: string }>(response);
    id = body.id;
    expect(response.headers.get('location')).toBe(`${server.url}/api/v1/consent-purposes/${id}`);
    expect(body).toMatchObject({
      purpose: 'Account recovery',
      piiCategories: [
        { claim: 'emails[type eq "work"].value', mandatory: true },
        { claim: 'phoneNumbers', mandatory: false },
        { claim: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', mandatory: false },
      ],
    });
    expect(await count('audit_events')).toBe(audits + 1);
  });

  it('lists, reads, replaces and patches', async () => {
    const list = await json<{ items: Array<{ id: string }> }>(await server.admin('GET', '/api/v1/consent-purposes'));
    expect(list.items.map((p) => p.id)).toContain(id);
    expect((await json(await server.admin('GET', `/api/v1/consent-purposes/${id}`))).purpose).toBe('Account recovery');
    const replaced = await server.admin('PUT', `/api/v1/consent-purposes/${id}`, { ...recovery, description: 'Changed' });
    expect(replaced.status).toBe(200);
    expect((await json(replaced)).description).toBe('Changed');
    const patched = await server.admin(
      'PATCH',
      `/api/v1/consent-purposes/${id}`,
      { description: null },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(patched.status).toBe(200);
    expect(await json(patched)).toMatchObject({ purpose: 'Account recovery', description: '' });
  });

  it('refuses paths the SCIM User schema does not have, naming each, and writes nothing', async () => {
    const [audits, purposes] = [await count('audit_events'), await count('consent_purposes')];
    const response = await server.admin('POST', '/api/v1/consent-purposes', {
      purpose: 'Bad',
      piiCategories: [
        { claim: 'displayName' },
        { claim: 'shoeSize' },
        { claim: 'userName', mandatory: false },
        { claim: 'emails[value co "x"]' },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = await json<{ code: string; errors: Array<{ field: string }> }>(response);
    expect(problem.code).toBe('invalid_pii_category');
    expect(problem.errors.map((e) => e.field)).toEqual(['piiCategories.1.claim', 'piiCategories.2.claim', 'piiCategories.3.claim']);
    const patched = await server.admin('PATCH', `/api/v1/consent-purposes/${id}`, { piiCategories: [{ claim: 'nope' }] });
    expect(patched.status).toBe(400);
    const unknownField = await server.admin('POST', '/api/v1/consent-purposes', {
      purpose: 'X',
      piiCategories: [{ claim: 'title' }],
      colour: 'red',
    });
    expect((await json<{ errors: Array<{ field: string }> }>(unknownField)).errors).toEqual([
      { field: 'colour', message: 'unknown field' },
    ]);
    const empty = await server.admin('POST', '/api/v1/consent-purposes', { purpose: 'X', piiCategories: [] });
    expect(empty.status).toBe(400);
    expect(await count('audit_events')).toBe(audits);
    expect(await count('consent_purposes')).toBe(purposes);
    expect((await json(await server.admin('GET', `/api/v1/consent-purposes/${id}`))).piiCategories).toHaveLength(3);
  });

  it('deletes, then answers 404', async () => {
    const created = await json<{ id: string }>(
      await server.admin('POST', '/api/v1/consent-purposes', { purpose: 'Temp', piiCategories: [{ claim: 'title' }] }),
    );
    expect((await server.admin('DELETE', `/api/v1/consent-purposes/${created.id}`)).status).toBe(204);
    const gone = await server.admin('GET', `/api/v1/consent-purposes/${created.id}`);
    expect(gone.status).toBe(404);
    expect((await json(gone)).code).toBe('consent_purpose_not_found');
    expect((await server.admin('DELETE', `/api/v1/consent-purposes/${created.id}`)).status).toBe(404);
  });
});

describe('consent receipts and revocation', () => {
  let purpose: StoredConsentPurpose;
  let profile: StoredConsentPurpose;
  let userId: string;
  let otherUserId: string;
  let receiptIds: Record<string, string>;

  const alice = (): ScimUserResource => ({
    schemas: [SCIM_USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    userName: 'alice',
    displayName: 'Alice Liddell',
    emails: [{ value: 'alice@example.com', type: 'work', primary: true }],
    phoneNumbers: [{ value: '+44 20 7946 0000', type: 'mobile' }],
    title: 'Explorer',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Research' },
  });

  const storedUser = async (id: string) => (await server.ctx.store.db.select().from(users).where(eq(users.id, id)))[0]!;

  beforeAll(async () => {
    purpose = await json<StoredConsentPurpose>(await server.admin('POST', '/api/v1/consent-purposes', recovery));
    profile = await json<StoredConsentPurpose>(
      await server.admin('POST', '/api/v1/consent-purposes', {
        purpose: 'Profile',
        piiCategories: [{ claim: 'title' }, { claim: 'phoneNumbers' }],
      }),
    );
    const primary = await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY');
    // What the consent page would produce: email (mandatory) and phone agreed for recovery, department
    // declined; title agreed for the profile purpose, phone declined there.
    const decision = decideConsent([purpose, profile], alice(), {
      decision: 'approve',
      accepted: new Set([`${purpose.id}|emails[type eq "work"].value`, `${purpose.id}|phoneNumbers`, `${profile.id}|title`]),
    });
    expect(decision.stripped).toEqual(['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department']);
    const stored = await server.ctx.store.transaction(async (tx) => {
      const user = await insertUser(tx, { userStoreId: primary.id, userName: 'alice', resource: decision.user });
      const receipts = await recordConsentReceipts(tx, { userId: user.id, idpId: null, receipts: decision.receipts });
      return { user, receipts };
    });
    userId = stored.user.id;
    receiptIds = Object.fromEntries(stored.receipts.map((r) => [r.purposeSnapshot.purpose, r.id]));
    otherUserId = (
      await insertUser(server.ctx.store.db, {
        userStoreId: primary.id,
        userName: 'bob',
        resource: { schemas: [SCIM_USER_SCHEMA], userName: 'bob' },
      })
    ).id;
  });

  it('lists a user’s receipts with the purpose as shown and what was consented and declined', async () => {
    const response = await server.admin('GET', `/api/v1/users/${userId}/consents`);
    expect(response.status).toBe(200);
    const { items } = await json<{ items: Array<Record<string, unknown>> }>(response);
    const recoveryReceipt = items.find((r) => r.id === receiptIds['Account recovery'])!;
    expect(recoveryReceipt).toMatchObject({
      userId,
      purposeId: purpose.id,
      purpose: { purpose: 'Account recovery' },
      consented: ['emails[type eq "work"].value', 'phoneNumbers'],
      declined: ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department'],
      revokedAt: null,
    });
    expect((await storedUser(userId)).resource).not.toHaveProperty(['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']);
    expect((await json<{ items: unknown[] }>(await server.admin('GET', `/api/v1/users/${otherUserId}/consents`))).items).toEqual([]);
    const missing = await server.admin('GET', '/api/v1/users/00000000-0000-4000-8000-000000000000/consents');
    expect(missing.status).toBe(404);
    expect((await json(missing)).code).toBe('user_not_found');
  });

  it('refuses to revoke another user’s receipt or an unknown one, writing nothing', async () => {
    const [audits, outbox] = [await count('audit_events'), await count('outbox_events')];
    const before = await storedUser(userId);
    const wrongUser = await server.admin('DELETE', `/api/v1/users/${otherUserId}/consents/${receiptIds['Account recovery']}`);
    expect(wrongUser.status).toBe(404);
    expect((await json(wrongUser)).code).toBe('consent_receipt_not_found');
    expect((await server.admin('DELETE', `/api/v1/users/${userId}/consents/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await server.admin('DELETE', `/api/v1/users/${userId}/consents/not-a-uuid`)).status).toBe(400);
    expect(await count('audit_events')).toBe(audits);
    expect(await count('outbox_events')).toBe(outbox);
    expect((await storedUser(userId)).version).toBe(before.version);
  });

  it('revoking removes the optional attributes only this receipt covered; mandatory ones stay; audit and outbox written', async () => {
    const [audits, outbox] = [await count('audit_events'), await count('outbox_events')];
    const before = await storedUser(userId);
    // The profile receipt covers title; phone was declined there, but consented under recovery.
    const response = await server.admin('DELETE', `/api/v1/users/${userId}/consents/${receiptIds['Profile']}`);
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ removed: ['title'], keptMandatory: [], receipt: { id: receiptIds['Profile'] } });
    const after = await storedUser(userId);
    const resource = after.resource as ScimUserResource;
    expect(resource.title).toBeUndefined();
    expect(resource.phoneNumbers).toHaveLength(1);
    expect(after.version).toBe(before.version + 1);
    expect((after.provenance as Record<string, { source: string }>).title).toMatchObject({
      source: 'admin',
      sourceId: receiptIds['Profile'],
    });
    expect(await count('audit_events')).toBe(audits + 1);
    expect(await count('outbox_events')).toBe(outbox + 1);
    const [event] = await rows<{ event_type: string; resource_id: string; payload: unknown }>(
      server.ctx.store.db,
      sql`select event_type, resource_id, payload from outbox_events order by id desc limit 1`,
    );
    expect(event).toMatchObject({ event_type: 'update', resource_id: userId, payload: { reason: 'consent_revoked', removed: ['title'] } });
  });

  it('revoking the recovery receipt (POST …/revoke) removes the phone and keeps the mandatory email', async () => {
    const response = await server.admin('POST', `/api/v1/users/${userId}/consents/${receiptIds['Account recovery']}/revoke`);
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ removed: ['phoneNumbers'], keptMandatory: ['emails[type eq "work"].value'] });
    const resource = (await storedUser(userId)).resource as ScimUserResource;
    expect(resource.phoneNumbers).toBeUndefined();
    expect(resource.emails).toEqual([{ value: 'alice@example.com', type: 'work', primary: true }]);
    expect(resource.displayName).toBe('Alice Liddell');
    const { items } = await json<{ items: Array<{ id: string; revokedAt: string | null }> }>(
      await server.admin('GET', `/api/v1/users/${userId}/consents`),
    );
    expect(items.every((r) => r.revokedAt !== null)).toBe(true);
  });

  it('a second revocation is a 409 and changes nothing', async () => {
    const outbox = await count('outbox_events');
    const again = await server.admin('DELETE', `/api/v1/users/${userId}/consents/${receiptIds['Profile']}`);
    expect(again.status).toBe(409);
    expect((await json(again)).code).toBe('consent_already_revoked');
    expect(await count('outbox_events')).toBe(outbox);
  });
});
