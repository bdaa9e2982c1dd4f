// `npm run bench:provisioning`: the JIT provisioning core on the real PostgreSQL, driven with pre-verified
// identities at 16-way concurrency. Measures first-time provisions/s and returning-user syncs/s, and in the same
// run a plain-SQL baseline writing the same rows (user + link + outbox + audit for a first login; link touch +
// audit for a returning one), then prints the ratios.
//   DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) — a fresh database is created and dropped.
//   BENCH_USERS (default 4000), BENCH_CONCURRENCY (default 16).
// Each phase also prints its CPU per operation: this process (process.cpuUsage) and, when PostgreSQL runs on this
// host, its backends serving the bench database (/proc/<pid>/stat) — steadier than rates on a shared machine.
import { readFile } from 'node:fs/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import postgres from 'postgres';
import {
  defaultJitPolicy,
  type IdentityProvider,
  type FederatedIdentity,
  deriveUserColumns,
  SCIM_USER_SCHEMA,
} from '../src/domain/index.js';
import { createLogger, createMetrics } from '../src/observability/index.js';
import { provisionLogin } from '../src/provisioning/index.js';
import { ensureDefaults, openDatabase, createStore, SecretBox } from '../src/store/index.js';
import { identityProviders } from '../src/store/schema/index.js';

const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const USERS = Number(process.env.BENCH_USERS ?? 4000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

/** CPU seconds (user + system) the PostgreSQL backends connected to `database` have used, or null off this host. */
async function backendCpu(admin: postgres.Sql, database: string): Promise<number | null> {
  const pids = await admin<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${database}`;
  let ticks = 0;
  try {
    for (const { pid } of pids) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
      if (stat === null) continue; // a backend that has just exited
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    }
  } catch {
    return null;
  }
  return pids.length ? ticks / 100 : null; // USER_HZ is 100 on Linux
}

interface Phase {
  rate: number;
  /** Microseconds of CPU per operation: this process, and the PostgreSQL backends (null when not measurable). */
  nodeUs: number;
  pgUs: number | null;
}

/** Runs `work(i)` for i in [0, n) on `concurrency` lanes; returns operations per second and CPU per operation. */
async function drive(
  n: number,
  concurrency: number,
  work: (i: number) => Promise<unknown>,
  backends?: () => Promise<number | null>,
): Promise<Phase> {
  let next = 0;
  const pgBefore = backends ? await backends() : null;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) await work(i);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const pgAfter = backends ? await backends() : null;
  return {
    rate: n / seconds,
    nodeUs: (cpu.user + cpu.system) / n,
    pgUs: pgBefore !== null && pgAfter !== null ? ((pgAfter - pgBefore) * 1e6) / n : null,
  };
}

const claimsOf = (prefix: string, i: number) => ({
  sub: `${prefix}-${i}`,
  preferred_username: `${prefix}.user${i}`,
  given_name: `Given${i}`,
  family_name: `Family${i}`,
  email: `${prefix}.user${i}@example.com`,
  email_verified: true,
});

async function main() {
  const name = `jb_bench_prov_${randomBytes(4).toString('hex')}`;
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: CONCURRENCY });
  const raw = postgres(url.toString(), { max: CONCURRENCY, onnotice: () => {} });
  try {
    await database.migrate();
    await ensureDefaults(database.db);
    const store = createStore(database, new SecretBox(randomBytes(32)));
    const deps = { store, logger: createLogger('silent'), metrics: createMetrics() };
    const idp: IdentityProvider = {
      id: randomUUID(),
      name: 'bench',
      protocol: 'oidc',
      enabled: true,
      trustEmail: false,
      claimMappings: [
        { remote: 'preferred_username', local: 'userName' },
        { remote: 'given_name', local: 'name.givenName' },
        { remote: 'family_name', local: 'name.familyName' },
        { remote: 'email', local: 'emails[type eq "work"].value' },
      ],
      roleMappings: [],
      inactiveAfterDays: null,
      jit: { ...defaultJitPolicy(), attributeSyncMethod: 'OVERRIDE_ALL' },
    };
    await database.db.insert(identityProviders).values({
      id: idp.id,
      name: idp.name,
      protocol: 'oidc',
      protocolConfig: {},
      claimMappings: idp.claimMappings,
      jit: idp.jit,
    });
    const [primary] = await raw<{ id: string }[]>`select id from user_stores where domain = 'PRIMARY'`;
    const identity = (prefix: string, i: number): FederatedIdentity => ({
      idpId: idp.id,
      subject: `${prefix}-${i}`,
      claims: claimsOf(prefix, i),
      authnContext: { protocol: 'oidc', amr: ['pwd'], acr: null, authTime: null, sessionId: null },
    });

    const backends = () => backendCpu(admin, name);
    // Warm-up: connections, prepared statements, JIT of the code paths.
    await drive(200, CONCURRENCY, (i) => provisionLogin(deps, idp, identity('warm', i)));
    await drive(200, CONCURRENCY, async (i) => plainFirst(raw, primary!.id, idp.id, 'warmsql', i));

    const firstCore = await drive(
      USERS,
      CONCURRENCY,
      async (i) => {
        const result = await provisionLogin(deps, idp, identity('core', i));
        if (result.kind !== 'user' || result.outcome !== 'created') throw new Error(`unexpected ${JSON.stringify(result)}`);
      },
      backends,
    );
    const firstSql = await drive(USERS, CONCURRENCY, (i) => plainFirst(raw, primary!.id, idp.id, 'sql', i), backends);
    const returningCore = await drive(
      USERS,
      CONCURRENCY,
      async (i) => {
        const result = await provisionLogin(deps, idp, identity('core', i));
        if (result.kind !== 'user' || result.outcome !== 'unchanged') throw new Error(`unexpected ${JSON.stringify(result)}`);
      },
      backends,
    );
    const returningSql = await drive(USERS, CONCURRENCY, (i) => plainReturning(raw, idp.id, 'sql', i), backends);
    // A returning login whose claims changed (one attribute): user update + outbox event as well.
    const changedCore = await drive(
      USERS,
      CONCURRENCY,
      async (i) => {
        const changed = identity('core', i);
        changed.claims = { ...changed.claims, family_name: `Changed${i}` };
        const result = await provisionLogin(deps, idp, changed);
        if (result.kind !== 'user' || result.outcome !== 'updated') throw new Error(`unexpected ${JSON.stringify(result)}`);
      },
      backends,
    );

    const line = (label: string, core: Phase, base: Phase | null) =>
      `${label.padEnd(34)} ${core.rate.toFixed(0).padStart(7)}/s${base ? `   baseline ${base.rate.toFixed(0).padStart(7)}/s   ratio ${((core.rate / base.rate) * 100).toFixed(0)}%` : ''}`;
    const us = (v: number | null) => (v === null ? '    n/a' : `${v.toFixed(0).padStart(5)} µs`);
    const cpu = (label: string, core: Phase, base: Phase | null) =>
      `${label.padEnd(34)} node ${us(core.nodeUs)}  postgres ${us(core.pgUs)}${base ? `   baseline: node ${us(base.nodeUs)}  postgres ${us(base.pgUs)}` : ''}`;
    process.stdout.write(
      [
        `provisioning core on PostgreSQL (${USERS} identities, ${CONCURRENCY}-way, pool ${CONCURRENCY})`,
        line('first-time provisions', firstCore, firstSql),
        line('returning syncs (unchanged)', returningCore, returningSql),
        line('returning syncs (1 attribute changed)', changedCore, null),
        'CPU per operation (this process; PostgreSQL backends of the bench database)',
        cpu('first-time provisions', firstCore, firstSql),
        cpu('returning syncs (unchanged)', returningCore, returningSql),
        cpu('returning syncs (1 attribute changed)', changedCore, null),
        '',
      ].join('\n'),
    );
  } finally {
    await raw.end({ timeout: 5 });
    await database.close();
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}

/** The same rows a first login writes, in plain SQL: user, link, outbox event, audit event, one transaction. */
async function plainFirst(sql: postgres.Sql, storeId: string, idpId: string, prefix: string, i: number) {
  const claims = claimsOf(prefix, i);
  const resource = {
    schemas: [SCIM_USER_SCHEMA],
    userName: claims.preferred_username,
    name: { givenName: claims.given_name, familyName: claims.family_name },
    emails: [{ type: 'work', value: claims.email }],
  };
  const columns = deriveUserColumns(resource);
  await sql.begin(async (tx) => {
    const [user] = await tx<{ id: string }[]>`
      insert into users (user_store_id, user_name, resource, provenance, jit_idp_id, primary_email, email_values, given_name, family_name)
      values (${storeId}, ${claims.preferred_username}, ${tx.json(resource)}, ${tx.json({ userName: { source: 'idp', sourceId: idpId } })}, ${idpId},
              ${columns.primaryEmail}, ${columns.emailValues}, ${columns.givenName}, ${columns.familyName})
      returning id`;
    await tx`insert into outbox_events (resource_type, resource_id, user_store_id, event_type, payload, resource_version)
             values ('User', ${user!.id}, ${storeId}, 'create', ${tx.json({ id: user!.id, ...resource })}, 1)`;
    await tx`insert into federated_identities (idp_id, subject, user_id, last_claims, last_login_at)
             values (${idpId}, ${claims.sub}, ${user!.id}, ${tx.json(claims)}, now())`;
    await tx`insert into audit_events (actor_type, actor_id, action, target_type, target_id, outcome, reason)
             values ('idp', ${idpId}, 'jit.user.create', 'user', ${user!.id}, 'success', 'bench')`;
  });
}

/** What a returning login with unchanged claims writes, in plain SQL: find the link, touch it, audit. */
async function plainReturning(sql: postgres.Sql, idpId: string, prefix: string, i: number) {
  const claims = claimsOf(prefix, i);
  const [link] = await sql<{ id: string; user_id: string }[]>`
    select f.id, f.user_id from federated_identities f join users u on u.id = f.user_id where f.idp_id = ${idpId} and f.subject = ${claims.sub}`;
  await sql.begin(async (tx) => {
    await tx`update federated_identities set last_login_at = now(), last_claims = ${tx.json(claims)}, updated_at = now() where id = ${link!.id}`;
    await tx`insert into audit_events (actor_type, actor_id, action, target_type, target_id, outcome, reason)
             values ('idp', ${idpId}, 'jit.user.sync', 'user', ${link!.user_id}, 'success', 'bench')`;
  });
}

await main();
