// The baseline of `npm run bench:scim`: a bare Hono route per case running the same SQL the SCIM server runs
// for it (page query and count as src/store/scim-search.ts builds them, or the insert with its audit and outbox
// rows), prepared where jitbridge prepares it, answering the rows as JSON. No auth, no schema, no SCIM shaping:
// the cost of the database and HTTP.
//   BARE_PORT, DATABASE_URL (the benchmark's database), BARE_POOL_SIZE (connections per client, as jitbridge's
//   DATABASE_POOL_SIZE).
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import postgres from 'postgres';

// The same driver mode as jitbridge per case: indexed equalities (userName, emails.value) and unfiltered pages from
// the start or a keyset as prepared statements, every other search unprepared (custom plans per query).
// application_name: the benchmark finds these backends by it to measure PostgreSQL's CPU per request.
const options = {
  max: Number(process.env.BARE_POOL_SIZE ?? 10),
  onnotice: () => {},
  connection: { application_name: 'jitbridge-bench-bare' },
};
const sql = postgres(process.env.DATABASE_URL!, { ...options, prepare: false });
const prepared = postgres(process.env.DATABASE_URL!, { ...options, prepare: true });
const [primary] = await sql`select id from user_stores where domain = 'PRIMARY'`;
const storeId = primary!.id as string;
const app = new Hono();
const json = { 'content-type': 'application/json' };

// The statements src/store/scim-search.ts builds for these cases, as text: a page CTE, its total in a CTE (the
// filter counted, or the per-store counts), and, for a page that may be full, the read position it leaves.
const POSITION = (
  first: number,
) => `pos as (insert into scim_read_positions as p (read_key, start_index, last_key, last_id, total_results, fenced, expires_at)
    select $${first}::text, $${first + 1}::int, null::text, l.id, TOTAL, FENCED, now() + interval '1 hour'
    from (select page.__k, page.id from page order by page.id desc limit 1) l
    where (select count(*) from page) = $${first + 2}::int
    on conflict (read_key, start_index) do update set last_key = excluded.last_key, last_id = excluded.last_id,
      total_results = excluded.total_results, fenced = excluded.fenced, expires_at = excluded.expires_at
    where p.last_id <> excluded.last_id or p.last_key is distinct from excluded.last_key
      or p.total_results is distinct from excluded.total_results or p.fenced <> excluded.fenced
      or p.expires_at < now() + interval '50 minutes')`;
const SELECT = 'select page.*, total.n as __total from total left join page on true order by page.id asc';
/** A filtered page behind the OFFSET 0 fence, its count in the same statement (`where` uses $1 for the count, $2 for the page). */
const filtered = (where: (n: number) => string, withPosition: boolean, whereParams = 1) =>
  `with total as (select (select count(*) from users r where ${where(1)}) as n), page as (select r.id, r.resource, r.version, r.created_at, r.updated_at, null::text as __k from (select * from users r where ${where(2)} offset 0) r
    order by r.id asc limit $${2 * whereParams + 1})${
      withPosition
        ? `, ${POSITION(4)
            .replace('TOTAL', '(select n from total)::int')
            .replace(
              'FENCED',
              '((select n from total)::float8 * (select n from total) <= $6::float8 * (select coalesce(sum(c.users), 0)::bigint from user_store_counts c))',
            )
            .replace('$6::int', '$7::int')}`
        : ''
    } ${SELECT}`;
const USER_NAME = filtered(
  (n) =>
    `(r.user_store_id = (select us.id from user_stores us where us.domain = $${2 * n - 1}) and (lower(r.user_name) = lower($${2 * n})))`,
  false,
  2,
);
const EMAIL = filtered((n) => `(r.id = any(array(select e0v.user_id from user_email_values e0v where e0v.value = $${n})))`, false);
const FAMILY_NAME = filtered((n) => `(lower(r.family_name) like $${n})`, true);
const STORED_TOTAL = 'with total as (select (select coalesce(sum(c.users), 0)::bigint from user_store_counts c) as n)';
const UNFILTERED = (limit: string, first: number) =>
  `${STORED_TOTAL}, page as (select r.id, r.resource, r.version, r.created_at, r.updated_at, null::text as __k from users r 
    order by r.id asc limit ${limit}), ${POSITION(first).replace('TOTAL', 'null::int').replace('FENCED', 'true')} ${SELECT}`;
const FIRST_PAGE = UNFILTERED('100', 1);
const OFFSET_PAGE = UNFILTERED('$1 offset $2', 3);
const CURSOR_PAGE = `with page as (select r.id, r.resource, r.version, r.created_at, r.updated_at, null::text as __k from users r where r.id > $1::uuid
    order by r.id asc limit 101) select page.* from page order by page.id asc`;

const answer = (found: readonly Record<string, unknown>[], total = true) =>
  JSON.stringify({
    ...(total ? { totalResults: Number(found[0]?.__total ?? 0) } : {}),
    Resources: found.filter((r) => r.id !== null),
  });

app.get('/bare/userName', async (c) => {
  const v = c.req.query('v')!;
  return c.body(answer(await prepared.unsafe(USER_NAME, ['PRIMARY', v, 'PRIMARY', v, 100], { prepare: true })), 200, json);
});

app.get('/bare/email', async (c) => {
  const v = c.req.query('v')!.toLowerCase();
  return c.body(answer(await prepared.unsafe(EMAIL, [v, v, 100], { prepare: true })), 200, json);
});

app.get('/bare/familyName', async (c) => {
  const v = c.req.query('v')!.toLowerCase() + '%';
  return c.body(answer(await sql.unsafe(FAMILY_NAME, [v, v, 100, 'bare-family', 101, 100, 100])), 200, json);
});

// An unfiltered page with its total from the per-store counts: the first (prepared), or a jump by OFFSET.
app.get('/bare/page', async (c) => {
  const start = Number(c.req.query('startIndex'));
  const found =
    start === 1
      ? await prepared.unsafe(FIRST_PAGE, ['bare-page', 101, 100], { prepare: true })
      : await sql.unsafe(OFFSET_PAGE, [100, start - 1, 'bare-page', start + 100, 100]);
  return c.body(answer(found), 200, json);
});

// A cursor page after the first: no count (the SCIM server counts on the first cursor page only).
app.get('/bare/cursor', async (c) =>
  c.body(answer(await prepared.unsafe(CURSOR_PAGE, [c.req.query('after')!], { prepare: true }), false), 200, json),
);

// Writes: the same rows in one transaction as the SCIM server writes them — the user (its indexed columns derived
// from the resource, provenance per attribute; the trigger adds its email index rows and its store's count), an
// audit event and an outbox event carrying the SCIM representation — with plain SQL and no SCIM work: no schema
// validation, no filter or PATCH parsing, no user-store or settings lookups.
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
interface BareUser {
  userName: string;
  name?: { givenName?: string; familyName?: string };
  emails?: Array<{ value: string; type?: string; primary?: boolean }>;
  active?: boolean;
}
const provenanceOf = (resource: BareUser, at: string) =>
  Object.fromEntries(
    Object.keys(resource)
      .filter((k) => k !== 'schemas')
      .map((k) => [k, { source: 'scim', sourceId: 'bare', at }]),
  );
const columnsOf = (resource: BareUser) => {
  const emails = (resource.emails ?? []).map((e) => e.value.toLowerCase());
  return {
    primaryEmail: emails[0] ?? null,
    emails,
    givenName: resource.name?.givenName ?? null,
    familyName: resource.name?.familyName ?? null,
    active: resource.active ?? true,
  };
};
type Tx = postgres.TransactionSql;
const events = async (tx: Tx, row: Record<string, unknown>, action: string, eventType: string, base: string) => {
  const resource = row.resource as Record<string, unknown>;
  await tx`insert into audit_events (actor_type, actor_id, action, target_type, target_id, outcome, details)
    values ('scim_client', 'bare', ${action}, 'user', ${row.id as string}, 'success', ${tx.json({ userName: resource.userName as string })})`;
  const payload = {
    schemas: resource.schemas,
    id: row.id,
    ...resource,
    meta: { resourceType: 'User', location: `${base}/Users/${row.id}`, version: `W/"${row.version}"` },
  };
  await tx`insert into outbox_events (resource_type, resource_id, user_store_id, event_type, payload, resource_version)
    values ('User', ${row.id as string}, ${storeId}, ${eventType}, ${tx.json(payload as never)}, ${row.version as number})`;
};
const base = 'http://127.0.0.1/scim/v2';

const createUser = (body: BareUser) =>
  sql.begin(async (tx) => {
    const resource = { schemas: [USER_SCHEMA], ...body };
    const c = columnsOf(body);
    const [created] =
      await tx`insert into users (user_store_id, user_name, resource, provenance, primary_email, email_values, given_name, family_name, active)
      values (${storeId}, ${body.userName}, ${tx.json(resource as never)}, ${tx.json(provenanceOf(resource, new Date().toISOString()) as never)},
              ${c.primaryEmail}, ${c.emails}, ${c.givenName}, ${c.familyName}, ${c.active})
      on conflict do nothing returning *`;
    await events(tx, created!, 'scim.user.create', 'create', base);
    return created!;
  });

app.post('/bare/users', async (c) => c.body(JSON.stringify(await createUser((await c.req.json()) as BareUser)), 201, json));

// PUT and PATCH of a user: lock and read it, write the new resource with its columns, provenance and version, then
// the events. (The PATCH case sends the replaced resource: applying operations is SCIM work.)
app.put('/bare/users/:id', async (c) => {
  const body = (await c.req.json()) as BareUser;
  const row = await sql.begin(async (tx) => {
    const [before] = await tx`select * from users where id = ${c.req.param('id')} for update`;
    const resource = { schemas: [USER_SCHEMA], ...body };
    const cols = columnsOf(body);
    const provenance = { ...(before!.provenance as object), ...provenanceOf({ name: body.name } as BareUser, new Date().toISOString()) };
    const [updated] = await tx`update users set resource = ${tx.json(resource as never)}, provenance = ${tx.json(provenance as never)},
        primary_email = ${cols.primaryEmail}, email_values = ${cols.emails}, given_name = ${cols.givenName}, family_name = ${cols.familyName},
        active = ${cols.active}, version = version + 1, updated_at = now()
      where id = ${before!.id as string} and version = ${before!.version as number} returning *`;
    await events(tx, updated!, 'scim.user.update', 'update', base);
    return updated!;
  });
  return c.body(JSON.stringify(row), 200, json);
});

// Bulk: each operation in its own transaction, as SCIM Bulk runs them.
app.post('/bare/bulk', async (c) => {
  const body = (await c.req.json()) as { users: BareUser[] };
  const results = [];
  for (const user of body.users) results.push({ status: '201', id: (await createUser(user)).id });
  return c.body(JSON.stringify(results), 200, json);
});

serve({ fetch: app.fetch, port: Number(process.env.BARE_PORT), hostname: '127.0.0.1' }, () => process.stdout.write('bare ready\n'));
process.on('SIGTERM', () => process.exit(0));
