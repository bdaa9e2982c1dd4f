// Property-style: the dry run (POST /identity-providers/{id}/simulate) shows what a real login writes. Many
// generated combinations of claims × JIT policy (scheme, sync method, association, store, store regexes, trusted
// email, role mappings, JIT on/off) × existing state (no user, a linked user — changed locally or not, locked or
// not —, a local user to associate, a locked one, existing group memberships) are simulated, then logged in through
// `provisionLogin` on the same store; the audit and outbox rows the login wrote must equal the simulation's events
// (ids a login creates and timestamps normalised). A seeded PRNG makes a failure reproducible (SIMULATE_SEED).
import { randomUUID } from 'node:crypto';
import { gt, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JIT_SCHEMES, type AttributeSyncMethod, type IdentityProvider, type ScimUserResource } from '../../src/domain/index.js';
import { provisionLogin } from '../../src/provisioning/index.js';
import { insertUser, setLinkLocked, updateUser } from '../../src/store/index.js';
import { rows } from '../../src/store/database.js';
import { auditEvents, outboxEvents } from '../../src/store/schema/index.js';
import { insertUserStore } from '../../src/store/user-stores-repo.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createIdp, deps, identity, linksOf, setJitSettings, STANDARD_MAPPINGS, userById } from './provisioning-fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'simulate_login' });
  // A store with regexes: lower-case usernames, capitalised group names.
  await insertUserStore(server.ctx.store.db, {
    domain: 'STRICT',
    description: 'regexes',
    usernameRegex: '^[a-z0-9.]+$',
    rolenameRegex: '^[A-Z]',
  });
});
afterAll(async () => server?.stop());

/** mulberry32: small, seeded, good enough to pick combinations. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    bool: (p = 0.5) => next() < p,
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!,
  };
}

const SEED = Number(process.env.SIMULATE_SEED ?? 20261204);
const CASES = Number(process.env.SIMULATE_CASES ?? 64);
const STATES = [
  'none',
  'linked',
  'linked-changed-locally',
  'linked-locked',
  'user-locked',
  'local-same-name',
  'local-same-email',
  'local-locked',
] as const;

type Event = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids that existed before the login stay; an id the login made (or null: "made by the login") becomes <new>. */
function normalise(value: unknown, known: Set<string>, key = ''): unknown {
  if (value === null && ['resourceId', 'targetId', 'id'].includes(key)) return '<new>';
  if (typeof value === 'string' && UUID.test(value) && !known.has(value.toLowerCase())) return '<new>';
  if (Array.isArray(value)) return value.map((v) => normalise(v, known));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k, v]) => v !== undefined && k !== 'group')
        .map(([k, v]) => [k, normalise(v, known, k)]),
    );
  }
  return value;
}

async function knownIds(): Promise<Set<string>> {
  const found = await rows<{ id: string }>(
    server.ctx.store.db,
    sql`select id::text as id from users union all select id::text from groups union all select id::text from user_stores
        union all select id::text from identity_providers`,
  );
  return new Set(found.map((r) => r.id.toLowerCase()));
}

const lastId = async (table: 'audit_events' | 'outbox_events') =>
  (await rows<{ n: number }>(server.ctx.store.db, sql`select coalesce(max(id), 0)::int as n from ${sql.identifier(table)}`))[0]!.n;

async function writtenSince(audit: number, outbox: number) {
  const db = server.ctx.store.db;
  const a = await db.select().from(auditEvents).where(gt(auditEvents.id, audit)).orderBy(auditEvents.id);
  const o = await db.select().from(outboxEvents).where(gt(outboxEvents.id, outbox)).orderBy(outboxEvents.id);
  return {
    audit: a.map((r) => ({
      actorType: r.actorType,
      actorId: r.actorId,
      action: r.action,
      targetType: r.targetType,
      targetId: r.targetId,
      outcome: r.outcome,
      reason: r.reason,
      details: r.details,
    })),
    outbox: o.map((r) => ({
      resourceType: r.resourceType,
      resourceId: r.resourceId,
      userStoreId: r.userStoreId,
      eventType: r.eventType,
      payload: r.payload,
      resourceVersion: r.resourceVersion,
    })),
  };
}

async function simulate(idp: IdentityProvider, subject: string, claims: Record<string, unknown>) {
  const response = await server.admin('POST', `/api/v1/identity-providers/${idp.id}/simulate`, { subject, claims });
  expect(response.status).toBe(200);
  return (await response.json()) as { decision: string; auditEvents: Event[]; outboxEvents: Event[] };
}

/** One generated case: an IdP, a prior state, and the claims of the login to compare. */
async function generatedCase(random: ReturnType<typeof prng>, n: number) {
  const name = `p${n}.${randomUUID().slice(0, 6)}`;
  const roles = random.bool(0.5);
  const idp = await createIdp(server, {
    enabled: random.bool(0.95),
    trustEmail: random.bool(),
    claimMappings: random.bool(0.8) ? STANDARD_MAPPINGS : STANDARD_MAPPINGS.filter((m) => m.local !== 'name.familyName'),
    roleMappings: roles
      ? [
          { remote: 'staff', local: random.pick(['Staff', 'staff-lower']) },
          { remote: 'admins', local: 'Admins' },
        ]
      : [],
    jit: {
      isEnabled: random.bool(0.9),
      scheme: random.pick(JIT_SCHEMES),
      userstore: random.pick(['PRIMARY', 'STRICT', 'AS_IN_USERNAME']),
      allowedUserStores: random.bool(0.7) ? ['PRIMARY', 'STRICT'] : ['PRIMARY'],
      associateLocalUser: random.bool(),
      associateByUsername: random.bool(),
      attributeSyncMethod: random.pick<AttributeSyncMethod | null>(['OVERRIDE_ALL', 'PRESERVE_LOCAL', 'NONE', null]),
    },
  });
  const subject = `s-${name}`;
  const userName = random.bool(0.7) ? name : random.pick([name.toUpperCase(), `STRICT/${name}`]);
  const email = `${name}@example.com`;
  const claimsOf = (given: string) => {
    const claims: Record<string, unknown> = { preferred_username: userName };
    if (random.bool(0.8)) claims.given_name = given;
    if (random.bool(0.6)) claims.family_name = random.pick(['Smith', 'Jones']);
    if (random.bool(0.7)) claims.email = random.pick([email, email.toUpperCase()]);
    if (random.bool(0.5)) claims.email_verified = random.bool();
    if (random.bool(0.4)) claims.department = random.pick(['Ops', 'R&D']);
    if (roles && random.bool(0.7)) claims.groups = random.pick([['staff'], ['admins'], ['staff', 'admins'], ['other']]);
    return claims;
  };

  const state = random.pick(STATES);
  const store = userName.startsWith('STRICT/') || idp.jit.userstore === 'STRICT' ? 'STRICT' : 'PRIMARY';
  if (state.startsWith('linked') || state === 'user-locked') {
    // A first login under the same policy (which may itself be refused: then there is no link).
    const first = await provisionLogin(deps(server), idp, identity(idp, subject, claimsOf('First')));
    if (first.kind === 'user') {
      const user = (await userById(server, first.userId))!;
      if (state === 'linked-changed-locally')
        await updateUser(server.ctx.store.db, user.id, { resource: { ...user.resource, title: 'Local' } }, user.version);
      if (state === 'user-locked') await updateUser(server.ctx.store.db, user.id, { locked: true });
      if (state === 'linked-locked') await setLinkLocked(server.ctx.store.db, (await linksOf(server, idp.id))[0]!.id, true);
    }
  } else if (state.startsWith('local')) {
    const storeId = (await rows<{ id: string }>(server.ctx.store.db, sql`select id from user_stores where domain = ${store}`))[0]!.id;
    const localName = state === 'local-same-email' ? `other.${name}` : name;
    const resource: ScimUserResource = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: store === 'PRIMARY' ? localName : `${store}/${localName}`,
      emails: [{ value: email, primary: true }],
    };
    const local = await insertUser(server.ctx.store.db, { userStoreId: storeId, userName: localName, resource });
    if (state === 'local-locked') await updateUser(server.ctx.store.db, local.id, { locked: true });
  }
  return { idp, subject, claims: claimsOf(random.pick(['First', 'Second'])), state };
}

describe('simulate shows what a login writes', () => {
  it(`equal audit and outbox events over ${CASES} generated cases (seed ${SEED})`, async () => {
    const random = prng(SEED);
    const decisions = new Map<string, number>();
    for (let n = 0; n < CASES; n++) {
      // The server-wide settings are part of the policy too.
      if (n % 8 === 0)
        await setJitSettings(server, { preserveLocallyAddedClaims: random.bool(), associatingToExistingUser: random.bool(0.3) });
      const { idp, subject, claims, state } = await generatedCase(random, n);
      const known = await knownIds();
      const [audit, outbox] = [await lastId('audit_events'), await lastId('outbox_events')];
      const simulated = await simulate(idp, subject, claims);
      const label = `case ${n} (${state}, ${simulated.decision}): ${JSON.stringify({ jit: idp.jit, claims })}`;
      expect(await writtenSince(audit, outbox), `${label}: the simulation wrote nothing`).toEqual({ audit: [], outbox: [] });
      // A disabled IdP is simulated as if enabled (the dry run before turning it on): compare a login once it is.
      await provisionLogin(deps(server), idp.enabled ? idp : { ...idp, enabled: true }, identity(idp, subject, claims));
      const written = await writtenSince(audit, outbox);
      expect(normalise(written, known), label).toEqual(normalise({ audit: simulated.auditEvents, outbox: simulated.outboxEvents }, known));
      decisions.set(simulated.decision, (decisions.get(simulated.decision) ?? 0) + 1);
    }
    if (process.env.SIMULATE_VERBOSE) console.log(Object.fromEntries(decisions));
    // The generator reaches the decisions it is meant to cover.
    expect([...decisions.keys()].sort()).toEqual(expect.arrayContaining(['create', 'link_found', 'refuse']));
  }, 600_000);
});
