// SCIM password writes obey the same password policy as the prompt pages and the admin API: POST, PUT, PATCH and
// Bulk answer 400 invalidValue naming the problem, and nothing is written. Embedded database or PostgreSQL.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/store/database.js';
import { users } from '../../src/store/schema/index.js';
import { BULK_SCHEMA, createScimClient, newUser, PATCH_SCHEMA, type ScimTestClient } from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let scim: ScimTestClient;
beforeAll(async () => {
  server = await startTestServer({ label: 'scim_password_policy' });
  scim = await createScimClient(server, { name: 'full' });
});
afterAll(async () => server?.stop());

const GOOD = 'violet-harbour-lantern';
const patch = (value: unknown) => ({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'password', value }] });
const writes = async () =>
  (
    await rows<{ n: number }>(
      server.ctx.store.db,
      sql`select (select count(*) from audit_events) + (select count(*) from outbox_events) + (select count(*) from users) as n`,
    )
  )[0]!.n;
const stored = async (id: string) => (await server.ctx.store.db.select().from(users).where(eq(users.id, id)))[0]!;

describe('SCIM passwords and the password policy', () => {
  it('refuses a weak password on POST, PUT and PATCH with 400 invalidValue, writing nothing', { timeout: 300_000 }, async () => {
    const before = await writes();
    const created = await scim.json('POST', '/Users', { ...newUser('pat.weak'), password: 'a' });
    expect(created.status).toBe(400);
    expect(created.body.scimType).toBe('invalidValue');
    expect(created.body.detail).toBe('password does not meet the password policy: Use at least 10 characters.');
    expect(await writes()).toBe(before);

    const good = await scim.json('POST', '/Users', { ...newUser('pat.good'), password: GOOD });
    expect(good.status).toBe(201);
    const id = good.body.id as string;
    const row = await stored(id);
    expect(row.passwordHash).toMatch(/^scrypt\$/);
    const after = await writes();

    const short = await scim.json('PATCH', `/Users/${id}`, patch('a'));
    expect(short.status).toBe(400);
    expect(short.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    const asName = await scim.json('PATCH', `/Users/${id}`, patch('pat.good-pat.good'));
    expect(asName.status).toBe(400);
    expect(asName.body.detail).toContain('The password must not contain your username.');
    const common = await scim.json('PUT', `/Users/${id}`, { ...newUser('pat.good', { title: 'x' }), password: 'password123' });
    expect(common.status).toBe(400);
    expect(common.body.detail).toContain('This password is too common');
    expect(await writes()).toBe(after);
    expect(await stored(id)).toEqual(row);

    const changed = await scim.json('PATCH', `/Users/${id}`, patch('amber-quarry-whistle'));
    expect(changed.status).toBe(200);
    expect((await stored(id)).passwordHash).not.toBe(row.passwordHash);
  });

  it('takes a password from a PATCH without a path (Okta sends one so), under the same policy', { timeout: 300_000 }, async () => {
    const created = await scim.json('POST', '/Users', { ...newUser('pat.pathless'), password: GOOD });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const row = await stored(id);
    const pathless = (value: unknown) => ({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', value }] });

    const weak = await scim.json('PATCH', `/Users/${id}`, pathless({ password: 'a', title: 'Weak' }));
    expect(weak.status).toBe(400);
    expect(weak.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect(await stored(id)).toEqual(row);

    const alone = await scim.json('PATCH', `/Users/${id}`, pathless({ password: 'copper-meadow-falcon' }));
    expect(alone.status).toBe(200);
    const afterAlone = await stored(id);
    expect(afterAlone.passwordHash).not.toBe(row.passwordHash);

    const withTitle = await scim.json('PATCH', `/Users/${id}`, pathless({ Password: 'maple-signal-orchard', title: 'Pathless' }));
    expect(withTitle.status).toBe(200);
    expect(withTitle.body.title).toBe('Pathless');
    expect(withTitle.body.password).toBeUndefined();
    const afterTitle = await stored(id);
    expect(afterTitle.passwordHash).not.toBe(afterAlone.passwordHash);
    expect(JSON.stringify(afterTitle.resource)).not.toContain('maple-signal-orchard');
  });

  it('refuses a weak password in a Bulk operation, that operation only', { timeout: 300_000 }, async () => {
    const response = await scim.json('POST', '/Bulk', {
      schemas: [BULK_SCHEMA],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'weak', data: { ...newUser('bulk.weak'), password: 'a' } },
        { method: 'POST', path: '/Users', bulkId: 'plain', data: newUser('bulk.plain') },
      ],
    });
    expect(response.status).toBe(200);
    const [weak, plain] = response.body.Operations as Array<{ status: string; response?: { scimType?: string; detail?: string } }>;
    expect(weak!.status).toBe('400');
    expect(weak!.response).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('Use at least 10 characters.') });
    expect(plain!.status).toBe('201');
    const found = await scim.json('GET', `/Users?filter=${encodeURIComponent('userName eq "bulk.weak"')}`);
    expect(found.body.totalResults).toBe(0);
  });
});
