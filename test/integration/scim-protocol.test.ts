// The SCIM protocol around the resources: ETags and preconditions, Bulk with bulkId references and limits,
// bearer tokens and scopes, user store domains and regexes, audit and outbox events, concurrent PATCHes,
// large groups, discovery endpoints and the SCIM clients admin resource.
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, outboxEvents, users } from '../../src/store/schema/index.js';
import {
  BULK_SCHEMA,
  createScimClient,
  GROUP_SCHEMA,
  newUser,
  PATCH_SCHEMA,
  scimClientFor,
  USER_SCHEMA,
  type ScimTestClient,
} from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let scim: ScimTestClient;
beforeAll(async () => {
  server = await startTestServer({ label: 'scim_protocol' });
  scim = await createScimClient(server, { name: 'full' });
  expect((await server.admin('POST', '/api/v1/user-stores', { domain: 'EMPLOYEES', usernameRegex: '^[a-z]{3,10}$' })).status).toBe(201);
  expect((await server.admin('POST', '/api/v1/user-stores', { domain: 'CONTRACTORS' })).status).toBe(201);
});
afterAll(async () => server?.stop());

const db = () => server.ctx.store.db;
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_SCHEMA], Operations });

describe('ETags (RFC 7644 §3.14)', () => {
  it('changes meta.version on every write; If-Match mismatch → 412; If-None-Match → 304', async () => {
    const created = await scim.json('POST', '/Users', newUser('etag.user'));
    const id = created.body.id;
    expect(created.headers.get('etag')).toBe('W/"1"');
    const notModified = await scim.call('GET', `/Users/${id}`, undefined, { 'if-none-match': 'W/"1"' });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe('W/"1"');
    expect((await scim.call('GET', `/Users/${id}`, undefined, { 'if-none-match': 'W/"7"' })).status).toBe(200);
    const stale = await scim.json('PUT', `/Users/${id}`, newUser('etag.user', { title: 'x' }), { 'if-match': 'W/"9"' });
    expect(stale.status).toBe(412);
    expect(stale.body.status).toBe('412');
    const fresh = await scim.json('PUT', `/Users/${id}`, newUser('etag.user', { title: 'x' }), { 'if-match': 'W/"1"' });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('etag')).toBe('W/"2"');
    expect(
      (await scim.json('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'y' }), { 'if-match': 'W/"1"' })).status,
    ).toBe(412);
    expect((await scim.call('DELETE', `/Users/${id}`, undefined, { 'if-match': 'W/"1"' })).status).toBe(412);
    expect((await scim.call('DELETE', `/Users/${id}`, undefined, { 'if-match': '*' })).status).toBe(204);
  });

  it("a group's version and lastModified move when a member user is deleted (its member list changed)", async () => {
    const member = (await scim.json('POST', '/Users', newUser('etag.member'))).body.id;
    const created = await scim.json('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'etag-group',
      members: [{ value: member }],
    });
    expect(created.status).toBe(201);
    const before = created.headers.get('etag')!;
    expect((await scim.call('GET', `/Groups/${created.body.id}`, undefined, { 'if-none-match': before })).status).toBe(304);
    expect((await scim.call('DELETE', `/Users/${member}`)).status).toBe(204);
    const after = await scim.json('GET', `/Groups/${created.body.id}`, undefined, { 'if-none-match': before });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(before);
    expect(after.body.members ?? []).toEqual([]);
    expect(after.body.meta.lastModified >= created.body.meta.lastModified).toBe(true);
  });

  it('serialises concurrent PATCHes: no update is lost', async () => {
    const id = (await scim.json('POST', '/Users', newUser('race.user', { emails: [] }))).body.id;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        scim.json('PATCH', `/Users/${id}`, patch({ op: 'add', path: 'emails', value: [{ value: `e${i}@race.test` }] })),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const user = await scim.json('GET', `/Users/${id}`);
    expect(user.body.emails).toHaveLength(8);
    expect(user.body.meta.version).toBe('W/"9"');
  });
});

describe('user store domains and policies', () => {
  it('writes EMPLOYEES/name into its store; unknown domain and regex mismatch are 400s', async () => {
    const ok = await scim.json('POST', '/Users', newUser('employees/erin'));
    expect(ok.status).toBe(201);
    expect(ok.body.userName).toBe('EMPLOYEES/erin');
    const unknown = await scim.json('POST', '/Users', newUser('NOWHERE/erin'));
    expect(unknown.status).toBe(400);
    expect(unknown.body.scimType).toBe('invalidValue');
    expect(unknown.body.detail).toContain('NOWHERE');
    const regex = await scim.json('POST', '/Users', newUser('EMPLOYEES/Erin_2'));
    expect(regex.status).toBe(400);
    expect(regex.body.detail).toContain('policy');
    const viaPatch = await scim.json(
      'PATCH',
      `/Users/${ok.body.id}`,
      patch({ op: 'replace', path: 'userName', value: 'EMPLOYEES/BAD NAME' }),
    );
    expect(viaPatch.status).toBe(400);
    const move = await scim.json('PATCH', `/Users/${ok.body.id}`, patch({ op: 'replace', path: 'userName', value: 'CONTRACTORS/erin' }));
    expect(move.status).toBe(400);
    expect(move.body.scimType).toBe('mutability');
    expect(await db().select().from(users).where(eq(users.userName, 'Erin_2'))).toHaveLength(0);
  });

  it('refuses values too long for their index with 400 invalidValue, writing nothing', async () => {
    // Random letters: a repeated character would compress into an index entry and not show the limit.
    const long = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
    const email = await scim.json('POST', '/Users', newUser('lena.long', { emails: [{ value: `${long(9000)}@example.com` }] }));
    expect(email.status).toBe(400);
    expect(email.body.scimType).toBe('invalidValue');
    expect(email.body.detail).toContain('emails.value');
    expect(await db().select().from(users).where(eq(users.userName, 'lena.long'))).toHaveLength(0);
    const atLimit = await scim.json('POST', '/Users', newUser('lena.long', { displayName: long(512) }));
    expect(atLimit.status).toBe(201);
    for (const [path, value] of [
      ['displayName', long(513)],
      ['externalId', long(3000)],
      ['name.familyName', long(3000)],
    ] as const) {
      const patched = await scim.json('PATCH', `/Users/${atLimit.body.id}`, patch({ op: 'replace', path, value }));
      expect(patched.status, path).toBe(400);
      expect(patched.body.detail, path).toContain(path);
    }
    const [row] = await db().select().from(users).where(eq(users.id, atLimit.body.id));
    expect(row!.version).toBe(1);

    const group = await scim.json('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: long(9000) });
    expect(group.status).toBe(400);
    expect(group.body.scimType).toBe('invalidValue');
    const crew = await scim.json('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'long-crew' });
    expect(crew.status).toBe(201);
    const renamed = await scim.json('PATCH', `/Groups/${crew.body.id}`, patch({ op: 'replace', path: 'externalId', value: long(9000) }));
    expect(renamed.status).toBe(400);
    expect(renamed.body.detail).toContain('externalId');
    expect((await scim.json('GET', `/Groups/${crew.body.id}`)).body.meta.version).toBe(crew.body.meta.version);
  });

  it('limits a store-restricted client to its stores', async () => {
    const limited = await createScimClient(server, { name: 'contractors only', userStores: ['CONTRACTORS'] });
    expect((await limited.json('POST', '/Users', newUser('CONTRACTORS/carl'))).status).toBe(201);
    const outside = await limited.json('POST', '/Users', newUser('outsider'));
    expect(outside.status).toBe(403);
    const all = await limited.json('GET', '/Users?count=1000');
    expect(all.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(['CONTRACTORS/carl']);
    const someone = (await scim.json('POST', '/Users', newUser('primary.pat'))).body.id;
    expect((await limited.call('GET', `/Users/${someone}`)).status).toBe(404);
    expect((await limited.call('DELETE', `/Users/${someone}`)).status).toBe(404);
    const group = await limited.json('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'CONTRACTORS/crew',
      members: [{ value: someone }],
    });
    expect(group.status).toBe(400);
    expect(group.body.scimType).toBe('invalidValue');

    // Groups and members in other stores stay out of sight: in a user's `groups` and in a group's `members`.
    const carl = all.body.Resources[0].id;
    const mixed = await scim.json('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'CONTRACTORS/mixed',
      members: [{ value: carl }, { value: someone }],
    });
    expect(mixed.status).toBe(201);
    const primaryGroup = await scim.json('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'everyone',
      members: [{ value: carl }],
    });
    expect(primaryGroup.status).toBe(201);
    expect((await scim.json('GET', `/Users/${carl}`)).body.groups.map((g: { display: string }) => g.display).sort()).toEqual([
      'CONTRACTORS/mixed',
      'everyone',
    ]);
    expect((await limited.json('GET', `/Users/${carl}`)).body.groups.map((g: { display: string }) => g.display)).toEqual([
      'CONTRACTORS/mixed',
    ]);
    const listed = await limited.json('GET', `/Users?filter=${encodeURIComponent(`id eq "${carl}"`)}&attributes=groups`);
    expect(listed.body.Resources[0].groups.map((g: { display: string }) => g.display)).toEqual(['CONTRACTORS/mixed']);
    expect((await scim.json('GET', `/Groups/${mixed.body.id}`)).body.members).toHaveLength(2);
    expect((await limited.json('GET', `/Groups/${mixed.body.id}`)).body.members.map((m: { value: string }) => m.value)).toEqual([carl]);
    const groupList = await limited.json('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "CONTRACTORS/mixed"`)}`);
    expect(groupList.body.Resources[0].members.map((m: { value: string }) => m.value)).toEqual([carl]);
    expect((await limited.call('GET', `/Groups/${primaryGroup.body.id}`)).status).toBe(404);
  });
});

describe('authentication and scopes', () => {
  it('needs a valid token (401 with WWW-Authenticate) and the right scope (403)', async () => {
    const none = await fetch(`${server.url}/scim/v2/Users`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(await none.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
    expect((await scimClientFor(server, 'jbs_wrong').call('GET', '/Users')).status).toBe(401);
    const reader = await createScimClient(server, { name: 'reader', scopes: ['scim:read'] });
    expect((await reader.call('GET', '/Users')).status).toBe(200);
    const write = await reader.json('POST', '/Users', newUser('reader.made'));
    expect(write.status).toBe(403);
    expect((await reader.call('POST', '/Bulk', { schemas: [BULK_SCHEMA], Operations: [] })).status).toBe(403);
    const writer = await createScimClient(server, { name: 'writer', scopes: ['scim:write'] });
    expect((await writer.call('GET', '/Users')).status).toBe(403);
  });

  it('shows the token once, lists clients without it, and revokes it on delete', async () => {
    const created = await server.admin('POST', '/api/v1/scim-clients', { name: 'temp', scopes: ['scim:read'] });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { id: string; token: string };
    expect(body.token).toMatch(/^jbs_/);
    const list = (await (await server.admin('GET', '/api/v1/scim-clients')).json()) as { items: Array<Record<string, unknown>> };
    const listed = list.items.find((c) => c.id === body.id)!;
    expect(listed).toMatchObject({ name: 'temp', scopes: ['scim:read'], userStores: null });
    expect(JSON.stringify(list)).not.toContain(body.token);
    const temp = scimClientFor(server, body.token);
    expect((await temp.call('GET', '/Users')).status).toBe(200);
    expect((await server.admin('DELETE', `/api/v1/scim-clients/${body.id}`)).status).toBe(204);
    expect((await temp.call('GET', '/Users')).status).toBe(401);
    expect((await server.admin('POST', '/api/v1/scim-clients', { name: 'x', scopes: ['scim:admin'] })).status).toBe(400);
    expect((await server.admin('POST', '/api/v1/scim-clients', { name: 'x', userStores: ['NOWHERE'] })).status).toBe(400);
  });
});

describe('audit and outbox events', () => {
  it('leaves one audit event (actor: the SCIM client) and one outbox event per write', async () => {
    const id = (await scim.json('POST', '/Users', newUser('evented'))).body.id;
    await scim.json('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }));
    await scim.json('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'T' }));
    await scim.call('DELETE', `/Users/${id}`);
    const outbox = await db().select().from(outboxEvents).where(eq(outboxEvents.resourceId, id)).orderBy(asc(outboxEvents.id));
    expect(outbox.map((e) => e.eventType)).toEqual(['create', 'deactivate', 'update', 'delete']);
    const audit = await db().select().from(auditEvents).where(eq(auditEvents.targetId, id)).orderBy(asc(auditEvents.id));
    expect(audit.map((e) => e.action)).toEqual(['scim.user.create', 'scim.user.update', 'scim.user.update', 'scim.user.delete']);
    expect(audit.every((e) => e.actorType === 'scim_client' && e.actorId === scim.id)).toBe(true);
  });

  it('records per-attribute provenance of SCIM writes', async () => {
    const id = (await scim.json('POST', '/Users', newUser('provenanced', { title: 'a' }))).body.id;
    await scim.json('PATCH', `/Users/${id}`, patch({ op: 'add', path: 'nickName', value: 'nick' }));
    const [row] = await db().select().from(users).where(eq(users.id, id));
    const provenance = row!.provenance as Record<string, { source: string; sourceId: string }>;
    expect(Object.keys(provenance).sort()).toEqual(['nickName', 'title', 'userName']);
    expect(provenance.nickName).toMatchObject({ source: 'scim', sourceId: scim.id });
  });
});

describe('Bulk (RFC 7644 §3.7)', () => {
  it('resolves bulkId references, reports each operation, and honours failOnErrors', async () => {
    const response = await scim.json('POST', '/Bulk', {
      schemas: [BULK_SCHEMA],
      Operations: [
        // Refers to a user created by a later operation: the server orders them.
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g1',
          data: { schemas: [GROUP_SCHEMA], displayName: 'bulk group', members: [{ value: 'bulkId:u1' }] },
        },
        { method: 'POST', path: '/Users', bulkId: 'u1', data: newUser('bulk.one') },
        { method: 'PATCH', path: '/Users/bulkId:u1', data: patch({ op: 'replace', path: 'title', value: 'Bulked' }) },
        { method: 'POST', path: '/Users', bulkId: 'dup', data: newUser('bulk.one') },
      ],
    });
    expect(response.status).toBe(200);
    const ops = response.body.Operations;
    expect(ops.map((o: { status: string }) => o.status)).toEqual(['201', '201', '200', '409']);
    expect(ops[3].response.scimType).toBe('uniqueness');
    const userId = ops[1].location.split('/').pop();
    const group = await scim.json('GET', ops[0].location.replace(`${server.url}/scim/v2`, ''));
    expect(group.body.members.map((m: { value: string }) => m.value)).toEqual([userId]);
    expect((await scim.json('GET', `/Users/${userId}`)).body.title).toBe('Bulked');

    const stopped = await scim.json('POST', '/Bulk', {
      schemas: [BULK_SCHEMA],
      failOnErrors: 1,
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: newUser('NOWHERE/x') },
        { method: 'POST', path: '/Users', bulkId: 'b', data: newUser('never.made') },
      ],
    });
    expect(stopped.body.Operations).toHaveLength(1);
    expect(stopped.body.Operations[0].status).toBe('400');
    expect((await scim.json('GET', `/Users?filter=${encodeURIComponent('userName eq "never.made"')}`)).body.totalResults).toBe(0);
  });

  it('advertises its limits and enforces them with 413', async () => {
    const config = await scim.json('GET', '/ServiceProviderConfig');
    expect(config.body.bulk).toEqual({ supported: true, maxOperations: 1000, maxPayloadSize: 1048576 });
    const tooMany = await scim.json('POST', '/Bulk', {
      schemas: [BULK_SCHEMA],
      Operations: Array.from({ length: 1001 }, (_, i) => ({ method: 'DELETE', path: `/Users/${i}` })),
    });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.status).toBe('413');
    const big = JSON.stringify({
      schemas: [BULK_SCHEMA],
      Operations: [{ method: 'POST', path: '/Users', bulkId: 'x', data: newUser('big', { title: 'x'.repeat(1_100_000) }) }],
    });
    const tooLarge = await scim.call('POST', '/Bulk', big);
    expect(tooLarge.status).toBe(413);
    expect((await scim.json('GET', `/Users?filter=${encodeURIComponent('userName eq "big"')}`)).body.totalResults).toBe(0);
  });
});

describe('large groups', () => {
  it('adds and removes one member of a big group in SQL, without reading the member list', async () => {
    const ids: string[] = [];
    const bulk = await scim.json('POST', '/Bulk', {
      schemas: [BULK_SCHEMA],
      Operations: Array.from({ length: 300 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `m${i}`, data: newUser(`member${i}`) })),
    });
    for (const op of bulk.body.Operations) ids.push(op.location.split('/').pop());
    const group = await scim.json('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'big',
      members: ids.slice(0, 299).map((value) => ({ value })),
    });
    expect(group.status).toBe(201);
    const gid = group.body.id;
    const add = await scim.call('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: [{ value: ids[299] }] }));
    expect(add.status).toBe(204);
    const remove = await scim.call('PATCH', `/Groups/${gid}`, patch({ op: 'remove', path: `members[value eq "${ids[0]}"]` }));
    expect(remove.status).toBe(204);
    const read = await scim.json('GET', `/Groups/${gid}`);
    expect(read.body.members).toHaveLength(299);
    expect(read.body.members.map((m: { value: string }) => m.value)).toContain(ids[299]);
    expect(read.body.meta.version).toBe('W/"3"');
    const events = await db().select().from(outboxEvents).where(eq(outboxEvents.resourceId, gid)).orderBy(asc(outboxEvents.id));
    expect(events.map((e) => e.eventType)).toEqual(['group.create', 'group.member_add', 'group.member_remove']);
    const unknownMember = await scim.json(
      'PATCH',
      `/Groups/${gid}`,
      patch({ op: 'add', path: 'members', value: [{ value: '00000000-0000-4000-8000-000000000000' }] }),
    );
    expect(unknownMember.status).toBe(400);
  });
});

describe('groups: replace, nesting, filters on memberships', () => {
  it('replaces members with PUT and PATCH replace, nests groups, and finds users by group', async () => {
    const [u1, u2, u3] = await Promise.all(
      ['gm.one', 'gm.two', 'gm.three'].map(async (n) => (await scim.json('POST', '/Users', newUser(n))).body.id as string),
    );
    const inner = (await scim.json('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'inner', members: [{ value: u3 }] })).body.id;
    const outer = await scim.json('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'outer',
      members: [{ value: u1 }, { value: inner }],
    });
    expect(outer.body.members.find((m: { value: string }) => m.value === inner)).toMatchObject({ type: 'Group', display: 'inner' });
    const put = await scim.json('PUT', `/Groups/${outer.body.id}`, {
      schemas: [GROUP_SCHEMA],
      displayName: 'outer',
      externalId: 'o-1',
      members: [{ value: u2 }],
    });
    expect(put.status).toBe(200);
    expect(put.body.members.map((m: { value: string }) => m.value)).toEqual([u2]);
    expect(put.body.externalId).toBe('o-1');
    const replaced = await scim.call(
      'PATCH',
      `/Groups/${outer.body.id}`,
      patch({ op: 'replace', path: 'members', value: [{ value: u1 }, { value: u3 }] }),
    );
    expect(replaced.status).toBe(204);
    // The same group sent again (as an outbound push does) is no change: no event, no new version.
    const events = async () => (await db().select().from(outboxEvents).where(eq(outboxEvents.resourceId, outer.body.id))).length;
    const [eventsBefore, etag] = [await events(), replaced.headers.get('etag')];
    const same = await scim.call(
      'PATCH',
      `/Groups/${outer.body.id}`,
      patch({ op: 'replace', value: { displayName: 'outer', externalId: 'o-1', members: [{ value: u3 }, { value: u1 }] } }),
    );
    expect(same.headers.get('etag')).toBe(etag);
    expect(await events()).toBe(eventsBefore);
    const byGroup = await scim.json(
      'GET',
      `/Users?filter=${encodeURIComponent(`groups.value eq "${outer.body.id}"`)}&attributes=userName,groups`,
    );
    expect(byGroup.body.Resources.map((r: { userName: string }) => r.userName).sort()).toEqual(['gm.one', 'gm.three']);
    expect(byGroup.body.Resources[0].groups.map((g: { value: string }) => g.value)).toContain(outer.body.id);
    const byName = await scim.json(
      'GET',
      `/Groups?filter=${encodeURIComponent('externalId eq "o-1" and displayName sw "OUT"')}&excludedAttributes=members`,
    );
    expect(byName.body.Resources.map((g: { id: string }) => g.id)).toEqual([outer.body.id]);
    const self = await scim.json('PATCH', `/Groups/${inner}`, patch({ op: 'add', path: 'members', value: [{ value: inner }] }));
    expect(self.status).toBe(400);
    const taken = await scim.json('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'OUTER' });
    expect(taken.status).toBe(409);
    expect(taken.body.scimType).toBe('uniqueness');
  });
});

describe('discovery and the rest', () => {
  it('serves ServiceProviderConfig, ResourceTypes and Schemas, and 501 for /Me', async () => {
    const config = await scim.json('GET', '/ServiceProviderConfig');
    expect(config.body).toMatchObject({
      patch: { supported: true },
      filter: { supported: true, maxResults: 1000 },
      sort: { supported: true },
      etag: { supported: true },
      pagination: { cursor: true, index: true },
    });
    const types = await scim.json('GET', '/ResourceTypes');
    expect(types.body.Resources.map((r: { id: string }) => r.id)).toEqual(['User', 'Group']);
    expect(types.body.Resources[0].schemaExtensions).toEqual([
      { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', required: false },
    ]);
    const schemas = await scim.json('GET', '/Schemas');
    expect(schemas.body.Resources.map((s: { id: string }) => s.id)).toEqual([
      USER_SCHEMA,
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      GROUP_SCHEMA,
    ]);
    const userSchema = await scim.json('GET', `/Schemas/${USER_SCHEMA}`);
    expect(userSchema.body.attributes.find((a: { name: string }) => a.name === 'userName')).toMatchObject({
      type: 'string',
      caseExact: false,
    });
    const me = await scim.json('GET', '/Me');
    expect(me.status).toBe(501);
    expect(me.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  });

  it('accepts application/json, refuses other media types with 415 and malformed JSON with 400 invalidSyntax', async () => {
    const plain = await scim.call('POST', '/Users', JSON.stringify(newUser('plain.json')), { 'content-type': 'application/json' });
    expect(plain.status).toBe(201);
    const xml = await scim.call('POST', '/Users', '<user/>', { 'content-type': 'application/xml' });
    expect(xml.status).toBe(415);
    const malformed = await scim.json('POST', '/Users', '{"schemas": [');
    expect(malformed.status).toBe(400);
    expect(malformed.body.scimType).toBe('invalidSyntax');
    const unknownSchema = await scim.json('POST', '/Users', { schemas: [USER_SCHEMA, 'urn:example:unknown'], userName: 'x.y.z' });
    expect(unknownSchema.status).toBe(400);
    const wrongType = await scim.json('POST', '/Users', newUser('typed', { active: 'maybe' }));
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.scimType).toBe('invalidValue');
  });
});
