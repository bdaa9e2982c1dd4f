// The fast parts of the SCIM read path keep the general path's answers: complete responses carry the same
// headers the middlewares set elsewhere; a listed resource is the resource a single read returns; nothing read
// is cached (a changed user shows at once); a cached token lookup honours a revocation within its TTL.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scimClients } from '../../src/store/schema/index.js';
import {
  createScimClient,
  ENTERPRISE_SCHEMA,
  GROUP_SCHEMA,
  newUser,
  scimClientFor,
  USER_SCHEMA,
  type ScimTestClient,
} from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let scim: ScimTestClient;

beforeAll(async () => {
  server = await startTestServer({ label: 'scim_read_path' });
  scim = await createScimClient(server);
});

afterAll(async () => {
  await server?.stop();
});

/** [name, value] pairs of a Headers (lower-case names). */
const entries = (headers: Headers) => {
  const out: Array<[string, string]> = [];
  headers.forEach((value, name) => out.push([name, value]));
  return out;
};

const byFilter = (type: 'Users' | 'Groups', filter: string, query = '') =>
  scim.json('GET', `/${type}?filter=${encodeURIComponent(filter)}${query}`);

describe('complete responses', () => {
  it('carry the security headers every other route gets, the request id, and their own headers', async () => {
    const general = await fetch(`${server.url}/healthz`);
    const security = entries(general.headers).filter(
      ([name]) => !['content-type', 'content-length', 'date', 'x-request-id', 'connection', 'keep-alive'].includes(name),
    );
    expect(security.length).toBeGreaterThan(5);
    expect(Object.fromEntries(security)).toHaveProperty('content-security-policy');

    const listed = await scim.call('GET', `/Users?filter=${encodeURIComponent('userName eq "nobody"')}`, undefined, {
      'x-request-id': 'read-path-test-1',
    });
    expect(listed.status).toBe(200);
    for (const [name, value] of security) expect(listed.headers.get(name), name).toBe(value);
    expect(listed.headers.get('x-request-id')).toBe('read-path-test-1');
    expect(listed.headers.get('content-type')).toBe('application/scim+json');
    const names = entries(listed.headers)
      .map(([name]) => name)
      .sort();
    const expected = [...security.map(([name]) => name), 'content-type', 'x-request-id'].sort();
    expect(names.filter((n) => !['content-length', 'date', 'connection', 'keep-alive'].includes(n))).toEqual(expected);

    const created = await scim.json('POST', '/Users', newUser('headers.user'));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${server.url}/scim/v2/Users/${created.body.id}`);
    expect(created.headers.get('etag')).toBe('W/"1"');
    for (const [name, value] of security) expect(created.headers.get(name), name).toBe(value);
    expect(created.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    // Errors go the general way and get the same headers.
    const bad = await scim.call('GET', '/Users?filter=bad');
    expect(bad.status).toBe(400);
    for (const [name, value] of security) expect(bad.headers.get(name), name).toBe(value);
    expect(bad.headers.get('x-request-id')).toBeTruthy();
  });
});

describe('listed resources', () => {
  it('are the resources a single read returns (users, groups, attributes and excludedAttributes)', async () => {
    const full = await scim.json(
      'POST',
      '/Users',
      newUser('listed.full', {
        schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
        externalId: 'LF-1',
        displayName: 'Listed Full',
        name: { givenName: 'Listed', familyName: 'Full' },
        emails: [
          { value: 'listed.full@example.com', type: 'work', primary: true },
          { value: 'lf@home.example', type: 'home' },
        ],
        active: false,
        [ENTERPRISE_SCHEMA]: { employeeNumber: '42', department: 'R&D' },
      }),
    );
    expect(full.status).toBe(201);
    const id = full.body.id as string;
    const one = await scim.json('GET', `/Users/${id}`);
    for (const filter of [
      'userName eq "listed.full"',
      'emails.value eq "LISTED.FULL@example.com"',
      'name.familyName sw "Ful"',
      `id eq "${id}"`,
    ]) {
      const listed = await byFilter('Users', filter);
      expect(listed.body.Resources, filter).toEqual([one.body]);
      // The same bytes, key order included.
      expect(JSON.stringify(listed.body.Resources[0]), filter).toBe(JSON.stringify(one.body));
    }
    for (const query of ['&attributes=userName,emails.value', '&excludedAttributes=emails,name.givenName', '&attributes=meta.version']) {
      const listed = await byFilter('Users', 'userName eq "listed.full"', query);
      const single = await scim.json('GET', `/Users/${id}?${query.slice(1)}`);
      expect(JSON.stringify(listed.body.Resources[0]), query).toBe(JSON.stringify(single.body));
    }

    const group = await scim.json('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'listed.group', members: [{ value: id }] });
    expect(group.status).toBe(201);
    const oneGroup = await scim.json('GET', `/Groups/${group.body.id}`);
    const listedGroup = await byFilter('Groups', 'displayName eq "listed.group"');
    expect(JSON.stringify(listedGroup.body.Resources[0])).toBe(JSON.stringify(oneGroup.body));
    // A user's groups are listed when asked for by name, as a single read shows them.
    const withGroups = await byFilter('Users', 'userName eq "listed.full"', '&attributes=groups');
    expect(withGroups.body.Resources[0].groups).toEqual((await scim.json('GET', `/Users/${id}`)).body.groups);
  });

  it('show a change at once (version, ETag, attributes, lastModified): nothing read is cached', async () => {
    const created = await scim.json('POST', '/Users', newUser('changing.user', { displayName: 'Before' }));
    const id = created.body.id as string;
    const before = (await byFilter('Users', 'userName eq "changing.user"')).body.Resources[0];
    expect(before).toMatchObject({ displayName: 'Before', meta: { version: 'W/"1"' } });
    const patched = await scim.json(
      'PATCH',
      `/Users/${id}`,
      { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'displayName', value: 'After' }] },
      { 'if-match': 'W/"1"' },
    );
    expect(patched.status).toBe(200);
    const after = (await byFilter('Users', 'userName eq "changing.user"')).body.Resources[0];
    expect(after).toMatchObject({ displayName: 'After', meta: { version: 'W/"2"' } });
    expect(after.meta.lastModified >= before.meta.lastModified).toBe(true);
    expect(after).toEqual((await scim.json('GET', `/Users/${id}`)).body);
    await scim.call('DELETE', `/Users/${id}`);
    expect((await byFilter('Users', 'userName eq "changing.user"')).body).toMatchObject({ totalResults: 0, Resources: [] });
  });
});

describe('cached token lookups', () => {
  it('stop a token revoked by another instance within the cache TTL (5 s)', async () => {
    const client = await createScimClient(server, { name: 'revoked elsewhere', scopes: ['scim:read'] });
    const caller = scimClientFor(server, client.token);
    expect((await caller.call('GET', '/Users?count=1')).status).toBe(200);
    // Another instance deleting the client changes only the database: this instance's cached lookup expires.
    await server.ctx.store.db.delete(scimClients).where(eq(scimClients.id, client.id));
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 8000) {
      status = (await caller.call('GET', '/Users?count=1')).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(401);
    expect(Date.now() - started).toBeLessThan(6500);
    // And stays refused (the refusal is cached too, and looked up again after it expires).
    expect((await caller.call('GET', '/Users?count=1')).status).toBe(401);
  });
});
