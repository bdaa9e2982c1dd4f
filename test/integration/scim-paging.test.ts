// Index paging the way HR and IT importers read (Okta's import: startIndex=1, 101, 201, … with count=100):
// sequential pages are read by keyset from where the previous page ended (positions kept in the database), so
// a page equals what OFFSET gives on the same data, writes between pages neither duplicate nor skip users that
// exist for the whole read, a jump to any startIndex works, and two instances serve alternate pages of one read.
// totalResults of an unfiltered read comes from per-store counts kept by triggers: exact through every write path.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionLogin } from '../../src/provisioning/index.js';
import { rows } from '../../src/store/database.js';
import { getUserStoreByDomain, insertUserStore } from '../../src/store/user-stores-repo.js';
import { insertUser } from '../../src/store/users-repo.js';
import { BULK_SCHEMA, createScimClient, newUser, USER_SCHEMA, type ScimTestClient } from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createIdp, deps, identity } from './provisioning-fixtures.js';

let server: TestServer;
let other: TestServer | undefined;
let scim: ScimTestClient;
const FAMILIES = ['alpha', 'beta', 'gamma', null];
const db = () => server.ctx.store.db;

beforeAll(async () => {
  server = await startTestServer({ label: 'scim_paging' });
  // Set up through the store, and the SCIM client last: an HTTP connection left idle during the slow inserts
  // would be closed by the server under the first test's request.
  const primary = await getUserStoreByDomain(db(), 'PRIMARY');
  const employees = await insertUserStore(db(), { domain: 'EMPLOYEES', description: '', usernameRegex: null, rolenameRegex: null });
  // 480 users in PRIMARY and 60 in EMPLOYEES; family names with ties and NULLs; all created in one transaction,
  // so meta.created ties for all of them.
  await server.ctx.store.transaction(async (tx) => {
    for (let i = 0; i < 540; i++) {
      const userName = `p${String(i).padStart(3, '0')}`;
      const familyName = FAMILIES[i % 4];
      await insertUser(tx, {
        userStoreId: i < 480 ? primary.id : employees.id,
        userName,
        resource: { schemas: [USER_SCHEMA], userName, ...(familyName ? { name: { familyName } } : {}) },
      });
    }
  });
  scim = await createScimClient(server);
}, 120_000);
afterAll(async () => {
  await other?.stop();
  await server?.stop();
});

interface Page {
  ids: string[];
  total: number;
}

async function pageAt(client: ScimTestClient, query: string, startIndex: number, count: number): Promise<Page> {
  const response = await client.json('GET', `/Users?${query}&startIndex=${startIndex}&count=${count}&attributes=userName`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  expect(response.body.startIndex).toBe(startIndex);
  return { ids: (response.body.Resources as Array<{ id: string }>).map((r) => r.id), total: response.body.totalResults };
}

/**
 * Reads a list to its end page by page, as an importer does; `between(page)` runs after each page. `clients`
 * take turns serving the pages (two instances).
 */
async function readAll(clients: ScimTestClient[], query: string, count: number, between?: (page: number, seen: string[]) => Promise<void>) {
  const seen: string[] = [];
  for (let page = 0, start = 1; ; page++) {
    const { ids } = await pageAt(clients[page % clients.length]!, query, start, count);
    seen.push(...ids);
    if (ids.length < count) return seen;
    start += ids.length;
    await between?.(page, seen);
  }
}

/** The same list read by OFFSET: the pages requested last to first, so that no page follows a position. */
async function readByOffset(client: ScimTestClient, query: string, count: number): Promise<string[]> {
  const { total } = await pageAt(client, query, 1, 1);
  const pages: string[][] = [];
  for (let start = Math.floor((total - 1) / count) * count + 1; start >= 1; start -= count)
    pages.unshift((await pageAt(client, query, start, count)).ids);
  return pages.flat();
}

const q = (filter?: string, sortBy?: string, sortOrder?: string) =>
  [
    filter ? `filter=${encodeURIComponent(filter)}` : '',
    sortBy ? `sortBy=${encodeURIComponent(sortBy)}` : '',
    sortOrder ? `sortOrder=${sortOrder}` : '',
  ]
    .filter(Boolean)
    .join('&') || 'x=1';

const READS: Array<[string, string]> = [
  ['no filter, no sortBy (id order)', q()],
  ['sortBy userName', q(undefined, 'userName')],
  ['sortBy name.familyName (ties, NULLs)', q(undefined, 'name.familyName')],
  ['sortBy name.familyName descending', q(undefined, 'name.familyName', 'descending')],
  ['sortBy meta.created (every row ties)', q(undefined, 'meta.created', 'descending')],
  ['filter', q('userName sw "p1" or name.familyName eq "gamma"')],
  ['filter and sortBy descending', q('name.familyName ne "beta"', 'name.familyName', 'descending')],
  ['filter and sortBy emails (all NULL)', q('userName sw "p"', 'emails')],
];

describe('sequential startIndex paging', () => {
  it.each(READS)('equals an OFFSET read of the same data: %s', async (_, query) => {
    const offsetReader = await createScimClient(server, { name: 'offset reader' });
    const expected = await readByOffset(offsetReader, query, 37);
    expect(expected.length).toBeGreaterThan(100);
    expect(new Set(expected).size).toBe(expected.length);
    const positionsBefore = await positionCount();
    expect(await readAll([scim], query, 37)).toEqual(expected);
    // The pages after the first were served from stored positions.
    expect(await positionCount()).toBeGreaterThan(positionsBefore);
  });

  it('orders ties by id and puts NULLs last ascending, first descending', async () => {
    const all = await rows<{ id: string; family: string | null }>(
      db(),
      // `userName sw "p"` names no domain: PRIMARY's users.
      sql`select id::text, family_name as family from users
          where user_name like 'p%' and user_store_id = (select id from user_stores where domain = 'PRIMARY')`,
    );
    const byFamily = (descending: boolean) =>
      [...all]
        .sort((a, b) => {
          if (a.family !== b.family) {
            if (a.family === null) return descending ? -1 : 1;
            if (b.family === null) return descending ? 1 : -1;
            return (a.family < b.family ? -1 : 1) * (descending ? -1 : 1);
          }
          return (a.id < b.id ? -1 : 1) * (descending ? -1 : 1);
        })
        .map((r) => r.id);
    const filter = 'userName sw "p"';
    expect(await readAll([scim], q(filter, 'name.familyName'), 50)).toEqual(byFamily(false));
    expect(await readAll([scim], q(filter, 'name.familyName', 'descending'), 50)).toEqual(byFamily(true));
  });

  it('neither duplicates nor skips users that exist for the whole read while others are created and deleted', async () => {
    for (const query of [q(), q(undefined, 'name.familyName', 'descending'), q('userName sw "p"', 'userName')]) {
      const reader = await createScimClient(server, { name: 'importer' });
      const before = new Set(await readByOffset(reader, query, 50));
      const deleted = new Set<string>();
      let created = 0;
      const seen = await readAll([reader], query, 40, async (page, seenSoFar) => {
        // A user already read is deleted (OFFSET would then skip the first user of the next page), users are
        // created (some land before the position: OFFSET would repeat a user), and one not read yet is deleted.
        const gone = seenSoFar[page * 7]!;
        const ahead = [...before].find((id) => !seenSoFar.includes(id) && !deleted.has(id))!;
        for (const id of [gone, ahead]) {
          expect((await scim.call('DELETE', `/Users/${id}`)).status).toBe(204);
          deleted.add(id);
        }
        for (let i = 0; i < 3; i++) {
          const made = await scim.json('POST', '/Users', newUser(`mid-${created++}-${Math.random().toString(36).slice(2, 8)}`));
          expect(made.status).toBe(201);
        }
      });
      expect(new Set(seen).size, 'no duplicates').toBe(seen.length);
      const stable = [...before].filter((id) => !deleted.has(id));
      const seenSet = new Set(seen);
      expect(
        stable.filter((id) => !seenSet.has(id)),
        'no stable user skipped',
      ).toEqual([]);
      expect(deleted.size).toBeGreaterThan(4);
    }
  });

  it('serves a jump to any startIndex, and goes on by keyset from there', async () => {
    const reader = await createScimClient(server, { name: 'jumper' });
    const query = q(undefined, 'userName');
    const expected = await readByOffset(await createScimClient(server, { name: 'reference' }), query, 100);
    const jump = await pageAt(reader, query, 137, 40);
    expect(jump.ids).toEqual(expected.slice(136, 176));
    // A user before the position goes: by OFFSET the next page would skip expected[216]; by keyset it follows.
    expect((await scim.call('DELETE', `/Users/${expected[3]}`)).status).toBe(204);
    const next = await pageAt(reader, query, 177, 40);
    expect(next.ids).toEqual(expected.slice(176, 216));
    // Past the end: an empty page, with the total.
    const past = await pageAt(reader, query, 100_000, 40);
    expect(past.ids).toEqual([]);
    expect(past.total).toBe(expected.length - 1);
  });

  it('falls back to OFFSET when a position has expired', async () => {
    const reader = await createScimClient(server, { name: 'slow reader' });
    const query = q(undefined, 'name.familyName');
    const expected = await readByOffset(await createScimClient(server, { name: 'reference 2' }), query, 30);
    expect((await pageAt(reader, query, 1, 30)).ids).toEqual(expected.slice(0, 30));
    await db().execute(sql`update scim_read_positions set expires_at = now() - interval '1 second'`);
    expect((await pageAt(reader, query, 31, 30)).ids).toEqual(expected.slice(30, 60));
  });

  it('lets two instances on one database serve alternate pages of one read', async () => {
    other = await startTestServer({ database: server.database });
    const reader = await createScimClient(server, { name: 'two instances' });
    const elsewhere = { ...reader, ...clientOn(other, reader.token) };
    const query = q(undefined, 'name.familyName', 'descending');
    const before = await readByOffset(await createScimClient(server, { name: 'reference 3' }), query, 50);
    const deleted = new Set<string>();
    const seen = await readAll([reader, elsewhere], query, 45, async (_, seenSoFar) => {
      // Each page is preceded by the deletion of a user already read: only a shared position avoids a skip.
      const gone = seenSoFar[seenSoFar.length - 10]!;
      expect((await scim.call('DELETE', `/Users/${gone}`)).status).toBe(204);
      deleted.add(gone);
    });
    expect(new Set(seen).size).toBe(seen.length);
    expect(before.filter((id) => !deleted.has(id) && !seen.includes(id))).toEqual([]);
  });
});

describe('unfiltered pages (prepared statements)', () => {
  it('stay correct once PostgreSQL switches to a generic plan, and across a schema change', async () => {
    const query = q(undefined, 'userName', 'descending');
    const expected = await readByOffset(await createScimClient(server, { name: 'reference 4' }), query, 60);
    const reader = await createScimClient(server, { name: 'prepared' });
    // More than five runs of each statement: PostgreSQL considers a generic plan from the sixth execution on.
    for (let round = 0; round < 7; round++) expect(await readAll([reader], query, 60)).toEqual(expected);
    // A prepared `select r.*` must change its result type when the table gains a column; the driver re-prepares.
    await db().execute(sql`alter table users add column prepared_probe text`);
    try {
      expect(await readAll([reader], query, 60)).toEqual(expected);
    } finally {
      await db().execute(sql`alter table users drop column prepared_probe`);
    }
    expect(await readAll([reader], query, 60)).toEqual(expected);
  });
});

function clientOn(target: TestServer, token: string): Pick<ScimTestClient, 'call' | 'json'> {
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${target.url}/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    call,
    json: async (method: string, path: string, body?: unknown) => {
      const response = await call(method, path, body);
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
    },
  };
}

async function positionCount(): Promise<number> {
  const [row] = await rows<{ n: number }>(db(), sql`select count(*)::int as n from scim_read_positions`);
  return row!.n;
}

/** The per-store counts against count(*) per store, and the SCIM totals of an unfiltered read. */
async function expectExactCounts() {
  const stored = await rows<{ store: string; n: number }>(
    db(),
    sql`select user_store_id::text as store, sum(users)::int as n from user_store_counts group by 1 having sum(users) <> 0 order by 1`,
  );
  const counted = await rows<{ store: string; n: number }>(
    db(),
    sql`select user_store_id::text as store, count(*)::int as n from users group by 1 order by 1`,
  );
  expect(stored).toEqual(counted);
  const all = counted.reduce((sum, r) => sum + r.n, 0);
  expect((await pageAt(scim, q(), 1, 1)).total).toBe(all);
  return all;
}

describe('totalResults', () => {
  it('stays exact through SCIM, Bulk, JIT, IdP deletion, moves between stores and set-based deletes', async () => {
    let total = await expectExactCounts();
    // SCIM create and delete, in both stores.
    const a = await scim.json('POST', '/Users', newUser('count-a'));
    const b = await scim.json('POST', '/Users', newUser('EMPLOYEES/count-b'));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(await expectExactCounts()).toBe(total + 2);
    expect((await scim.call('DELETE', `/Users/${a.body.id}`)).status).toBe(204);
    expect(await expectExactCounts()).toBe(total + 1);
    // A failed create (taken userName) counts nothing.
    expect((await scim.json('POST', '/Users', newUser('EMPLOYEES/count-b'))).status).toBe(409);
    expect(await expectExactCounts()).toBe(total + 1);
    // Bulk: creates and a delete, each in its own transaction.
    const bulk = await scim.json('POST', '/Bulk', {
      schemas: [BULK_SCHEMA],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'x', data: newUser('bulk-x') },
        { method: 'POST', path: '/Users', bulkId: 'y', data: newUser('EMPLOYEES/bulk-y') },
        { method: 'DELETE', path: `/Users/${b.body.id}` },
      ],
    });
    expect(bulk.status).toBe(200);
    expect(await expectExactCounts()).toBe(total + 2);
    // JIT provisioning (its own SQL), then the IdP's deletion with its users.
    const idp = await createIdp(server);
    for (const sub of ['j1', 'j2', 'j3']) {
      const result = await provisionLogin(deps(server), idp, identity(idp, sub, { preferred_username: `jit-${sub}` }));
      expect(result).toMatchObject({ kind: 'user', outcome: 'created' });
    }
    expect(await expectExactCounts()).toBe(total + 5);
    const removed = await server.admin('DELETE', `/api/v1/identity-providers/${idp.id}?users=delete&force=true`);
    expect(removed.status).toBe(204);
    expect(await expectExactCounts()).toBe(total + 2);
    // A move between stores (no API moves users; the count must not rely on that) and a set-based delete.
    await db().execute(
      sql`update users set user_store_id = (select id from user_stores where domain = 'EMPLOYEES') where user_name in ('p001', 'p002', 'p003')`,
    );
    await expectExactCounts();
    await db().execute(sql`delete from users where user_name like 'mid-%'`);
    total = await expectExactCounts();
    // Many writers at once, on several database connections (and shards).
    const made = await Promise.all(
      Array.from({ length: 30 }, (_, i) => scim.json('POST', '/Users', newUser(`${i % 2 ? 'EMPLOYEES/' : ''}burst-${i}`))),
    );
    expect(made.map((m) => m.status)).toEqual(Array(30).fill(201));
    expect(await expectExactCounts()).toBe(total + 30);
  });

  it('lets an emptied user store be deleted (its counts go with it)', async () => {
    const created = await server.admin('POST', '/api/v1/user-stores', { domain: 'TEMPORARY' });
    expect(created.status).toBe(201);
    const store = (await created.json()) as { id: string };
    const user = await scim.json('POST', '/Users', newUser('TEMPORARY/passing'));
    expect(user.status).toBe(201);
    expect((await scim.call('DELETE', `/Users/${user.body.id}`)).status).toBe(204);
    expect((await server.admin('DELETE', `/api/v1/user-stores/${store.id}`)).status).toBe(204);
    const [left] = await rows<{ n: number }>(db(), sql`select count(*)::int as n from user_store_counts where user_store_id = ${store.id}`);
    expect(left!.n).toBe(0);
    await expectExactCounts();
  });

  it('counts only the stores a restricted client sees', async () => {
    const limited = await createScimClient(server, { name: 'employees only', userStores: ['EMPLOYEES'] });
    const [row] = await rows<{ n: number }>(
      db(),
      sql`select count(*)::int as n from users where user_store_id = (select id from user_stores where domain = 'EMPLOYEES')`,
    );
    const first = await pageAt(limited, q(), 1, 10);
    expect(first.total).toBe(row!.n);
    expect(await readAll([limited], q(), 25)).toHaveLength(row!.n);
  });

  it('counts a filtered read once, when it starts, and reports that count on its later pages', async () => {
    const reader = await createScimClient(server, { name: 'filtered' });
    const query = q('userName sw "p2"');
    const first = await pageAt(reader, query, 1, 20);
    expect(first.total).toBeGreaterThan(60);
    expect((await scim.json('POST', '/Users', newUser('p2-new'))).status).toBe(201);
    expect((await pageAt(reader, query, 21, 20)).total).toBe(first.total);
    // A new read counts again.
    expect((await pageAt(reader, query, 1, 20)).total).toBe(first.total + 1);
  });
});
