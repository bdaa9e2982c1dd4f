// The baseline of `npm run bench:scim`: a bare Hono route per case running the same SQL the SCIM server runs
// for it (page query and count as src/store/scim-search.ts builds them, or the insert with its audit and outbox
// rows), prepared where jitbridge prepares it, answering the rows as JSON. No auth, no schema, no SCIM shaping:
// the cost of the database and HTTP.
//   BARE_PORT, DATABASE_URL (the benchmark's database), BARE_POOL_SIZE (connections per client, as jitbridge's
//   DATABASE_POOL_SIZE).
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import postgres from 'postgres';

// The same driver mode as jitbridge per case: indexed equalities (userName, emails.value) as prepared
// statements, every other search unprepared (custom plans per query), like drizzle's execute().
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

const page = async (rows: PromiseLike<readonly unknown[]>, total?: PromiseLike<readonly Record<string, unknown>[]>) => {
  const [found, counted] = await Promise.all([rows, total ?? Promise.resolve(undefined)]);
  return JSON.stringify({ ...(counted ? { totalResults: counted[0]!.n } : {}), Resources: found });
};

/** A filtered page: evaluated behind the OFFSET 0 fence with its count in the same statement, as the SCIM store does. */
const fenced = async (db: typeof sql, where: ReturnType<typeof sql>) => {
  const found = await db`select r.*, (select count(*)::int as n from users r where ${where}) as __total
    from (select * from users r where ${where} offset 0) r order by r.id asc limit ${100} offset ${0}`;
  return JSON.stringify({ totalResults: found.length ? found[0]!.__total : 0, Resources: found });
};

app.get('/bare/userName', async (c) =>
  c.body(
    await fenced(
      prepared,
      prepared`r.user_store_id = (select us.id from user_stores us where us.domain = ${'PRIMARY'}) and lower(r.user_name) = lower(${c.req.query('v')!})`,
    ),
    200,
    json,
  ),
);

app.get('/bare/email', async (c) =>
  c.body(
    await fenced(
      prepared,
      prepared`r.id = any(array(select e0v.user_id from user_email_values e0v where e0v.value = ${c.req.query('v')!.toLowerCase()}))`,
    ),
    200,
    json,
  ),
);

app.get('/bare/familyName', async (c) =>
  c.body(await fenced(sql, sql`lower(r.family_name) like ${c.req.query('v')!.toLowerCase() + '%'}`), 200, json),
);

// An unfiltered page with its total from the per-store counts (kept by triggers), as the SCIM store reads it:
// by OFFSET for a jump, or by keyset after a position (`after`).
const storedTotal = sql`select coalesce(sum(c.users), 0)::int as n from user_store_counts c`;
app.get('/bare/page', async (c) => {
  const offset = Number(c.req.query('startIndex')) - 1;
  return c.body(await page(sql`select r.* from users r order by r.id asc limit 100 offset ${offset}`, storedTotal), 200, json);
});

// A cursor page after the first: no count (the SCIM server counts on the first cursor page only).
app.get('/bare/cursor', async (c) =>
  c.body(await page(sql`select r.* from users r where r.id > ${c.req.query('after')!}::uuid order by r.id asc limit 101`), 200, json),
);

app.post('/bare/users', async (c) => {
  const body = (await c.req.json()) as { userName: string };
  const row = await sql.begin(async (tx) => {
    const resource = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: body.userName };
    const [created] =
      await tx`insert into users (user_store_id, user_name, resource, email_values) values (${storeId}, ${body.userName}, ${tx.json(resource)}, '{}') on conflict do nothing returning *`;
    await tx`insert into audit_events (actor_type, actor_id, action, target_type, target_id, outcome) values ('scim_client', 'bare', 'scim.user.create', 'user', ${created!.id}, 'success')`;
    await tx`insert into outbox_events (resource_type, resource_id, user_store_id, event_type, payload, resource_version) values ('User', ${created!.id}, ${storeId}, 'create', ${tx.json(resource)}, 1)`;
    return created;
  });
  return c.body(JSON.stringify(row), 201, json);
});

serve({ fetch: app.fetch, port: Number(process.env.BARE_PORT), hostname: '127.0.0.1' }, () => process.stdout.write('bare ready\n'));
process.on('SIGTERM', () => process.exit(0));
