// SCIM queries against a known data set: every filter operator, and/or/not, grouping, value paths,
// case-exactness per schema, JSONB-backed attributes, sorting, index paging (deep and shallow, the
// scimmy double-slicing trap), cursor paging, attributes/excludedAttributes and POST /.search.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/store/database.js';
import { getUserStoreByDomain } from '../../src/store/user-stores-repo.js';
import { insertUser } from '../../src/store/index.js';
import { ENTERPRISE_SCHEMA, createScimClient, newUser, SEARCH_SCHEMA, USER_SCHEMA, type ScimTestClient } from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let scim: ScimTestClient;
const ids: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer({ label: 'scim_queries' });
  scim = await createScimClient(server);
  expect((await server.admin('POST', '/api/v1/user-stores', { domain: 'EMPLOYEES' })).status).toBe(201);
  const people = [
    newUser('alice', {
      externalId: 'EXT-A',
      displayName: 'Alice Smith',
      title: 'Engineer',
      name: { familyName: 'Smith', givenName: 'Alice' },
      emails: [
        { value: 'alice@example.com', type: 'work', primary: true },
        { value: 'alice@home.org', type: 'home' },
      ],
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
      [ENTERPRISE_SCHEMA]: { employeeNumber: '1001', manager: { value: 'm1' } },
    }),
    newUser('bob', {
      externalId: 'ext-b',
      displayName: 'Bob Jones',
      title: 'Manager',
      active: false,
      name: { familyName: 'Jones', givenName: 'Bob' },
      emails: [{ value: 'Bob@Example.org', type: 'work' }],
    }),
    newUser('EMPLOYEES/carol', {
      externalId: 'EXT-C',
      displayName: 'Carol S',
      name: { familyName: 'Smithers', givenName: 'Carol' },
      emails: [{ value: 'carol@corp.example.com', type: 'work' }],
    }),
    newUser('dave', { nickName: 'd_%x', name: { familyName: "O'Neil", givenName: 'Dave' } }),
  ];
  for (const person of people) {
    const created = await scim.json('POST', '/Users', person);
    expect(created.status).toBe(201);
    ids[person.userName] = created.body.id;
  }
  // 1,005 more users written straight through the repository, so paging has a known, large data set.
  const primary = await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY');
  await server.ctx.store.transaction(async (tx) => {
    for (let i = 1; i <= 1005; i++) {
      const userName = `u${String(i).padStart(4, '0')}`;
      await insertUser(tx, {
        userStoreId: primary.id,
        userName,
        resource: { schemas: [USER_SCHEMA], userName, name: { familyName: `F${1005 - i}` } },
      });
    }
  });
}, 60_000);
afterAll(async () => server?.stop());

const people = ['alice', 'bob', 'EMPLOYEES/carol', 'dave'];
/** Every user the filter matches (paged by cursor: broad filters match more than a page), among the four people. */
async function matching(filter: string): Promise<string[]> {
  const names: string[] = [];
  let cursor = '';
  for (;;) {
    const response = await scim.json('GET', `/Users?count=1000&filter=${encodeURIComponent(filter)}&cursor=${encodeURIComponent(cursor)}`);
    expect(response.status, `${filter}: ${JSON.stringify(response.body)}`).toBe(200);
    names.push(...(response.body.Resources as Array<{ userName: string }>).map((r) => r.userName));
    if (!response.body.nextCursor) break;
    cursor = response.body.nextCursor;
  }
  return names.filter((n) => people.includes(n)).sort();
}

describe('filter operators (RFC 7644 §3.4.2.2) translated to SQL', () => {
  const cases: Array<[string, string[]]> = [
    ['userName eq "ALICE"', ['alice']],
    ['userName eq "EMPLOYEES/carol"', ['EMPLOYEES/carol']],
    ['userName eq "employees/CAROL"', ['EMPLOYEES/carol']],
    ['userName eq "carol"', []],
    ['userName ne "alice"', ['EMPLOYEES/carol', 'bob', 'dave']],
    ['userName co "AR"', ['EMPLOYEES/carol']],
    ['userName sw "b"', ['bob']],
    ['userName ew "VE"', ['dave']],
    ['externalId eq "EXT-A"', ['alice']],
    ['externalId eq "ext-a"', []],
    ['externalId sw "EXT"', ['EMPLOYEES/carol', 'alice']],
    ['name.familyName sw "smith"', ['EMPLOYEES/carol', 'alice']],
    ['name.familyName eq "o\'neil"', ['dave']],
    ['name.givenName co "OB"', ['bob']],
    ['emails.value eq "BOB@example.org"', ['bob']],
    ['emails eq "alice@home.org"', ['alice']],
    ['emails.value eq "bob@example.org" or userName eq "dave"', ['bob', 'dave']],
    ['not (emails.value eq "bob@example.org")', ['EMPLOYEES/carol', 'alice', 'dave']],
    ['emails[type eq "home" and value eq "ALICE@home.org"]', ['alice']],
    ['emails[type eq "work" and value eq "alice@home.org"]', []],
    ['emails co "example"', ['EMPLOYEES/carol', 'alice', 'bob']],
    ['emails.value ew ".org"', ['alice', 'bob']],
    ['emails[type eq "home"]', ['alice']],
    ['emails[type eq "work" and value ew ".org"]', ['bob']],
    ['emails[type eq "work" and value co "@example"]', ['alice', 'bob']],
    ['emails pr', ['EMPLOYEES/carol', 'alice', 'bob']],
    ['not (emails pr)', ['dave']],
    ['title pr', ['alice', 'bob']],
    ['title eq "engineer"', ['alice']],
    ['not (title eq "Engineer")', ['EMPLOYEES/carol', 'bob', 'dave']],
    ['active eq false', ['bob']],
    ['active eq true', ['EMPLOYEES/carol', 'alice', 'dave']],
    ['active ne true', ['bob']],
    [`${ENTERPRISE_SCHEMA}:employeeNumber eq "1001"`, ['alice']],
    [`${ENTERPRISE_SCHEMA}:manager.value eq "m1"`, ['alice']],
    ['nickName co "_%"', ['dave']],
    ['nickName co "x%"', []],
    ['displayName gt "B" and displayName lt "C"', ['bob']],
    ['displayName ge "carol s"', ['EMPLOYEES/carol']],
    ['displayName le "Alice Smith"', ['alice']],
    ['meta.created ge "2000-01-01T00:00:00Z"', ['EMPLOYEES/carol', 'alice', 'bob', 'dave']],
    ['meta.lastModified lt "2000-01-01T00:00:00Z"', []],
    ['(userName eq "alice" or userName eq "bob") and active eq true', ['alice']],
    ['userName eq "alice" or userName eq "bob" and active eq true', ['alice']],
    ['userName eq "alice" or (userName eq "bob" and not (active eq true))', ['alice', 'bob']],
    ['UserName Eq "bob"', ['bob']],
    [`${USER_SCHEMA}:userName eq "bob"`, ['bob']],
    ['id eq "not-a-uuid"', []],
  ];
  it.each(cases)('%s', async (filter, expected) => {
    expect(await matching(filter)).toEqual([...expected].sort());
  });

  it('finds by id', async () => {
    expect(await matching(`id eq "${ids.alice}"`)).toEqual(['alice']);
  });

  it.each([
    'userName eq',
    'userName xx "a"',
    'foo eq "a"',
    'emails[type eq "work"',
    'active gt true',
    'meta.created gt "not a date"',
    '(userName eq "a"',
    'name eq "x"',
    'userName eq "a" and',
    'emails[value eq "a"].type eq "b"',
    'userName eq unquoted',
    'urn:bogus:schema:attr eq "x"',
  ])('refuses %s with 400 invalidFilter', async (filter) => {
    const response = await scim.json('GET', `/Users?filter=${encodeURIComponent(filter)}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '400',
      scimType: 'invalidFilter',
    });
  });
});

describe('indexed equality lookups (prepared statements)', () => {
  it('stay correct once PostgreSQL switches to a generic plan, and across a schema change', async () => {
    const lookups: Array<[string, string[]]> = [
      ['userName eq "ALICE"', ['alice']],
      ['userName eq "bob"', ['bob']],
      ['userName eq "employees/carol"', ['EMPLOYEES/carol']],
      ['userName eq "nobody"', []],
      ['emails.value eq "carol@corp.example.com"', ['EMPLOYEES/carol']],
      ['emails.value eq "ALICE@HOME.ORG"', ['alice']],
      ['externalId eq "ext-b"', ['bob']],
      [`id eq "${ids.dave}"`, ['dave']],
    ];
    /** By cursor (matching) and by index paging: two different statements. */
    const check = async () => {
      for (const [filter, expected] of lookups) {
        expect(await matching(filter), filter).toEqual([...expected].sort());
        const page = await scim.json('GET', `/Users?filter=${encodeURIComponent(filter)}`);
        expect(page.body.totalResults, filter).toBe(expected.length);
        expect((page.body.Resources as Array<{ userName: string }>).map((r) => r.userName).sort(), filter).toEqual([...expected].sort());
      }
    };
    // More than five runs of each statement: PostgreSQL considers a generic plan from the sixth execution on.
    for (let round = 0; round < 7; round++) await check();
    // A prepared `select r.*` must change its result type when the table gains a column; the driver re-prepares.
    await server.ctx.store.db.execute(sql`alter table users add column prepared_probe text`);
    try {
      await check();
    } finally {
      await server.ctx.store.db.execute(sql`alter table users drop column prepared_probe`);
    }
    await check();
  });
});

describe('sorting and paging', () => {
  it('sorts by name.familyName either way, and refuses an unknown sortBy', async () => {
    const up = await scim.json('GET', `/Users?filter=${encodeURIComponent('name.familyName sw "S"')}&sortBy=name.familyName`);
    expect(up.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(['alice', 'EMPLOYEES/carol']);
    const down = await scim.json(
      'GET',
      `/Users?filter=${encodeURIComponent('name.familyName sw "S"')}&sortBy=name.familyName&sortOrder=descending`,
    );
    expect(down.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(['EMPLOYEES/carol', 'alice']);
    const bad = await scim.json('GET', '/Users?sortBy=shoeSize');
    expect(bad.status).toBe(400);
    expect(bad.body.scimType).toBe('invalidValue');
    expect((await scim.json('GET', '/Users?sortOrder=sideways')).status).toBe(400);
  });

  const page = async (query: string) => scim.json('GET', `/Users?filter=${encodeURIComponent('userName sw "u"')}&sortBy=userName&${query}`);
  const names = (body: { Resources: Array<{ userName: string }> }) => body.Resources.map((r) => r.userName);

  it('pages shallow and deep without slicing twice (startIndex and count from the query string)', async () => {
    const shallow = await page('startIndex=5&count=20');
    expect(shallow.body).toMatchObject({ totalResults: 1005, startIndex: 5, itemsPerPage: 20 });
    expect(names(shallow.body)).toEqual(Array.from({ length: 20 }, (_, i) => `u${String(i + 5).padStart(4, '0')}`));
    const deep = await page('startIndex=1000&count=20');
    expect(deep.body).toMatchObject({ totalResults: 1005, startIndex: 1000, itemsPerPage: 6 });
    expect(names(deep.body)).toEqual(['u1000', 'u1001', 'u1002', 'u1003', 'u1004', 'u1005']);
    const first = await page('startIndex=0&count=2');
    expect(first.body.startIndex).toBe(1);
    expect(names(first.body)).toEqual(['u0001', 'u0002']);
    const none = await page('count=0');
    expect(none.body).toMatchObject({ totalResults: 1005, itemsPerPage: 0, Resources: [] });
    // Past the end: no rows to carry the total, which is still reported.
    const past = await page('startIndex=2000&count=20');
    expect(past.body).toMatchObject({ totalResults: 1005, startIndex: 2000, itemsPerPage: 0, Resources: [] });
    const capped = await page('count=5000');
    expect(capped.body.itemsPerPage).toBe(1000);
    expect((await page('count=abc')).status).toBe(400);
  });

  it('walks every page by cursor, ascending and descending, and refuses foreign cursors', async () => {
    for (const order of ['ascending', 'descending']) {
      const seen: string[] = [];
      let cursor = '';
      let pages = 0;
      for (;;) {
        const response = await page(`sortOrder=${order}&count=400&cursor=${encodeURIComponent(cursor)}`);
        expect(response.status).toBe(200);
        // Counted on the first page only.
        if (pages === 0) expect(response.body.totalResults).toBe(1005);
        else expect(response.body.totalResults).toBeUndefined();
        expect(response.body.startIndex).toBeUndefined();
        seen.push(...names(response.body));
        pages++;
        if (!response.body.nextCursor) break;
        cursor = response.body.nextCursor;
      }
      expect(pages).toBe(3);
      expect(seen).toHaveLength(1005);
      const sorted = [...seen].sort();
      expect(seen).toEqual(order === 'ascending' ? sorted : sorted.reverse());
    }
    const first = await page('count=10&cursor=');
    const other = await scim.json(
      'GET',
      `/Users?filter=${encodeURIComponent('userName sw "a"')}&sortBy=userName&cursor=${first.body.nextCursor}`,
    );
    expect(other.status).toBe(400);
    expect(other.body.scimType).toBe('invalidCursor');
    const garbage = await page('cursor=zzzz');
    expect(garbage.body.scimType).toBe('invalidCursor');
    const both = await page('cursor=&startIndex=3');
    expect(both.status).toBe(400);
  });

  it('pages by cursor without sortBy (by id)', async () => {
    const seen = new Set<string>();
    let cursor = '';
    for (;;) {
      const response = await scim.json('GET', `/Users?count=300&cursor=${encodeURIComponent(cursor)}`);
      for (const r of response.body.Resources) seen.add(r.id);
      if (!response.body.nextCursor) break;
      cursor = response.body.nextCursor;
    }
    expect(seen.size).toBe(1009);
  });
});

describe('attributes, excludedAttributes and POST /.search', () => {
  it('returns only the attributes asked for (id and schemas always)', async () => {
    const response = await scim.json('GET', `/Users?filter=${encodeURIComponent('userName eq "alice"')}&attributes=userName,emails.value`);
    expect(response.body.Resources[0]).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
      id: ids.alice,
      userName: 'alice',
      emails: [{ value: 'alice@example.com' }, { value: 'alice@home.org' }],
    });
    const one = await scim.json('GET', `/Users/${ids.alice}?attributes=${ENTERPRISE_SCHEMA}:employeeNumber`);
    expect(one.body).toEqual({ schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA], id: ids.alice, [ENTERPRISE_SCHEMA]: { employeeNumber: '1001' } });
  });

  it('drops excluded attributes', async () => {
    const response = await scim.json('GET', `/Users/${ids.alice}?excludedAttributes=emails,meta,name.givenName`);
    expect(response.body.emails).toBeUndefined();
    expect(response.body.meta).toBeUndefined();
    expect(response.body.name).toEqual({ familyName: 'Smith' });
    expect(response.body.userName).toBe('alice');
  });

  it('searches with POST /Users/.search and across types with POST /.search', async () => {
    const search = await scim.json('POST', '/Users/.search', {
      schemas: [SEARCH_SCHEMA],
      filter: 'emails[type eq "work" and value co "@example"]',
      attributes: ['userName'],
      sortBy: 'userName',
      startIndex: 1,
      count: 10,
    });
    expect(search.status).toBe(200);
    expect(search.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(['alice', 'bob']);
    expect(search.body.Resources[0].emails).toBeUndefined();
    const root = await scim.json('POST', '/.search', { schemas: [SEARCH_SCHEMA], filter: 'externalId eq "EXT-A"' });
    expect(root.status).toBe(200);
    expect(root.body.totalResults).toBe(1);
    const wrong = await scim.json('POST', '/Users/.search', { filter: 'userName eq "x"' });
    expect(wrong.status).toBe(400);
  });
});

describe('emails.value eq follows every write (user_email_values, kept by a trigger)', () => {
  const byEmail = async (email: string) => matching(`emails.value eq "${email}"`);
  const stored = async (userId: string) =>
    (
      await rows<{ value: string }>(
        server.ctx.store.db,
        sql`select value from user_email_values where user_id = ${userId}::uuid order by value`,
      )
    ).map((r) => r.value);

  it('on create, replace, patch and delete', async () => {
    const created = await scim.json(
      'POST',
      '/Users',
      newUser('erin', {
        emails: [
          { value: 'Erin@Example.net', type: 'work' },
          { value: 'erin@example.NET', type: 'home' },
        ],
      }),
    );
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    people.push('erin');
    try {
      // One row per value, lower-cased as the filter compares it.
      expect(await stored(id)).toEqual(['erin@example.net']);
      expect(await byEmail('ERIN@example.net')).toEqual(['erin']);

      const replaced = await scim.json('PUT', `/Users/${id}`, newUser('erin', { emails: [{ value: 'erin@new.example', type: 'work' }] }));
      expect(replaced.status).toBe(200);
      expect(await stored(id)).toEqual(['erin@new.example']);
      expect(await byEmail('erin@example.net')).toEqual([]);
      expect(await byEmail('erin@new.example')).toEqual(['erin']);

      const patched = await scim.json('PATCH', `/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'add', path: 'emails', value: [{ value: 'e@other.example', type: 'home' }] }],
      });
      expect(patched.status).toBe(200);
      expect(await stored(id)).toEqual(['e@other.example', 'erin@new.example']);
      expect(await byEmail('e@other.example')).toEqual(['erin']);
      // A write that leaves the emails alone leaves their rows alone.
      const renamed = await scim.json('PATCH', `/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'displayName', value: 'Erin' }],
      });
      expect(renamed.status).toBe(200);
      expect(await stored(id)).toEqual(['e@other.example', 'erin@new.example']);

      const removed = await scim.json('PATCH', `/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'remove', path: 'emails' }],
      });
      expect(removed.status).toBe(200);
      expect(await stored(id)).toEqual([]);
      expect(await byEmail('erin@new.example')).toEqual([]);

      await scim.json('PATCH', `/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'add', path: 'emails', value: [{ value: 'erin@last.example' }] }],
      });
      expect((await scim.json('DELETE', `/Users/${id}`)).status).toBe(204);
      expect(await stored(id)).toEqual([]);
      expect(await byEmail('erin@last.example')).toEqual([]);
    } finally {
      people.pop();
    }
  });
});
