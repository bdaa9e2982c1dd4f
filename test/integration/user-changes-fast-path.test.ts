// The one-statement path of `commitChange` (src/store/user-changes-commit.ts) writes exactly what the plain path —
// `writeChange` in a transaction — writes: the same users, federated_identities, audit_events and outbox_events rows
// (ids the write makes and timestamps normalised) and the same errors, with nothing written on a failure. Each case
// runs twice on fresh, equal data (one per path); the fast run must not open a transaction.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError, type ScimUserResource } from '../../src/domain/index.js';
import { applyPlan, commitPlan, planLogin, provisionLogin } from '../../src/provisioning/index.js';
import { commitChange, insertUser, updateUser, writeChange, type Change, type UserRow } from '../../src/store/index.js';
import { auditEvents, federatedIdentities, outboxEvents, users } from '../../src/store/schema/index.js';
import { getUserStoreByDomain } from '../../src/store/user-stores-repo.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createIdp, deps, identity } from './provisioning-fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'fast_path' });
});
afterAll(async () => server?.stop());

type Path = 'plain' | 'fast';
const PATHS: Path[] = ['plain', 'fast'];
const db = () => server.ctx.store.db;

/** Every row of the four tables a change writes, keyed by table and id. */
async function snapshot(): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  const tables = { users, federated_identities: federatedIdentities, audit_events: auditEvents, outbox_events: outboxEvents };
  for (const [name, table] of Object.entries(tables)) {
    for (const row of (await db().select().from(table)) as Array<Record<string, unknown>>) {
      all.set(`${name}:${String(row.id)}`, JSON.stringify(row));
    }
  }
  return all;
}

interface Written {
  rows: Record<string, unknown[]>;
  error?: { name: string; code: string | undefined; message: string };
  result?: unknown;
}

/** The rows a write added or changed (per table, in id order for the event tables), and what it threw. */
async function written(write: () => Promise<unknown>): Promise<Written> {
  const before = await snapshot();
  const out: Written = { rows: { users: [], federated_identities: [], audit_events: [], outbox_events: [] } };
  try {
    out.result = await write();
  } catch (error) {
    const e = error as Error & { code?: string };
    out.error = { name: e.name, code: e instanceof AppError ? e.code : undefined, message: e.message };
  }
  for (const [key, json] of await snapshot()) {
    if (before.get(key) === json) continue;
    out.rows[key.split(':')[0]!]!.push(JSON.parse(json));
  }
  for (const table of ['audit_events', 'outbox_events'])
    out.rows[table]!.sort((a, b) => Number((a as { id: number }).id) - Number((b as { id: number }).id));
  return out;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/** The case's tag becomes TAG, uuids become u1, u2… in order of appearance, timestamps and serial ids go. */
function normalise(value: Written, tag: string): unknown {
  const tokens = new Map<string, string>();
  const token = (uuid: string) => {
    const k = uuid.toLowerCase();
    if (!tokens.has(k)) tokens.set(k, `u${tokens.size + 1}`);
    return tokens.get(k)!;
  };
  const walk = (v: unknown, key = ''): unknown => {
    if (typeof v === 'string') {
      if (TIME.test(v)) return '<time>';
      if (key === 'syncFingerprint') return '<fingerprint>';
      return v.split(tag).join('TAG').replace(UUID, token);
    }
    if (typeof v === 'number' && key === 'id') return '<serial>';
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return walk({ rows: value.rows, error: value.error });
}

/** Runs a case on both paths (fresh data each) and checks they wrote the same; the fast path opens no transaction. */
async function samePaths(run: (path: Path, tag: string) => Promise<Written>): Promise<Record<Path, Written>> {
  const results = {} as Record<Path, Written>;
  const normalised = {} as Record<Path, unknown>;
  for (const path of PATHS) {
    const tag = `t${randomUUID().slice(0, 8)}`;
    results[path] = await run(path, tag);
    normalised[path] = normalise(results[path], tag);
  }
  expect(normalised.fast).toEqual(normalised.plain);
  return results;
}

/** Commits a change on the given path; the fast one must not open a transaction. */
async function commit(path: Path, change: Change): Promise<UserRow | undefined> {
  if (path === 'plain') return server.ctx.store.transaction((tx) => writeChange(tx, change));
  const spy = vi.spyOn(db(), 'transaction');
  try {
    return await commitChange(db(), change);
  } finally {
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  }
}

const claims = (tag: string, given = 'Alice') => ({
  preferred_username: `alice.${tag}`,
  given_name: given,
  family_name: 'Smith',
  email: `alice.${tag}@example.com`,
  department: 'R&D',
});

describe('logins: the fast path writes what the plain path writes', () => {
  const commitOn = (path: Path) => (plan: Parameters<typeof commitPlan>[1]) =>
    path === 'plain' ? server.ctx.store.transaction((tx) => applyPlan(tx, plan)) : commitPlan(db(), plan);

  it('a first login: user, link, audit and outbox events', async () => {
    const { fast } = await samePaths(async (path, tag) => {
      const idp = await createIdp(server);
      const plan = await planLogin(deps(server), idp, identity(idp, `sub-${tag}`, claims(tag)));
      expect(plan.decision).toBe('create');
      return written(() => commitOn(path)(plan));
    });
    expect(fast.rows.users).toHaveLength(1);
    expect(fast.rows.federated_identities).toHaveLength(1);
    expect(fast.rows.outbox_events).toHaveLength(1);
    expect(fast.error).toBeUndefined();
  });

  it('a returning login that changes the user: update, link touch, events', async () => {
    const { fast } = await samePaths(async (path, tag) => {
      const idp = await createIdp(server, { jit: { attributeSyncMethod: 'OVERRIDE_ALL' } });
      await provisionLogin(deps(server), idp, identity(idp, `sub-${tag}`, claims(tag)));
      const plan = await planLogin(deps(server), idp, identity(idp, `sub-${tag}`, claims(tag, 'Alicia')));
      expect(plan.decision !== 'refuse' && plan.decision !== 'passthrough' && plan.decision !== 'create' && plan.userChanged).toBe(true);
      return written(() => commitOn(path)(plan));
    });
    expect(fast.rows.users).toHaveLength(1);
    expect((fast.rows.users![0] as { version: number }).version).toBe(2);
  });

  it('a login linked to an existing local user', async () => {
    const { fast } = await samePaths(async (path, tag) => {
      const store = await getUserStoreByDomain(db(), 'PRIMARY');
      const userName = `alice.${tag}`;
      const resource = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, title: 'Local' };
      await insertUser(db(), { userStoreId: store.id, userName, resource });
      const idp = await createIdp(server, {
        jit: { associateLocalUser: true, associateByUsername: true, attributeSyncMethod: 'OVERRIDE_ALL' },
      });
      const plan = await planLogin(deps(server), idp, identity(idp, `sub-${tag}`, claims(tag)));
      expect(plan.decision).not.toBe('create');
      return written(() => commitOn(path)(plan));
    });
    expect(fast.rows.federated_identities).toHaveLength(1);
    expect(fast.error).toBeUndefined();
  });

  it('a first login whose identity was linked meanwhile: stale, nothing written (not even the user)', async () => {
    const { fast } = await samePaths(async (path, tag) => {
      const idp = await createIdp(server);
      const login = identity(idp, `sub-${tag}`, claims(tag));
      const plan = await planLogin(deps(server), idp, login);
      await provisionLogin(deps(server), idp, { ...login, claims: { ...login.claims, preferred_username: `other.${tag}` } });
      return written(() => commitOn(path)(plan));
    });
    expect(fast.error?.name).toBe('ProvisioningRace');
    expect(Object.values(fast.rows).flat()).toEqual([]);
  });

  it('a returning login whose user was changed meanwhile: stale, nothing written', async () => {
    const { fast } = await samePaths(async (path, tag) => {
      const idp = await createIdp(server, { jit: { attributeSyncMethod: 'OVERRIDE_ALL' } });
      const first = await provisionLogin(deps(server), idp, identity(idp, `sub-${tag}`, claims(tag)));
      const plan = await planLogin(deps(server), idp, identity(idp, `sub-${tag}`, claims(tag, 'Alicia')));
      const userId = first.kind === 'user' ? first.userId : '';
      await updateUser(db(), userId, { resource: scimResource(`alice.${tag}`, { title: 'Changed by SCIM' }) });
      return written(() => commitOn(path)(plan));
    });
    expect(fast.error?.name).toBe('ProvisioningRace');
    expect(Object.values(fast.rows).flat()).toEqual([]);
  });
});

/** SCIM's events: computed from the written row, its meta included (src/scim/users.ts eventsOf). */
const scimEvents = (action: 'create' | 'update') => ({
  audit: (row: UserRow | undefined) => [
    {
      actorType: 'scim_client' as const,
      actorId: 'client-1',
      action: `scim.user.${action}`,
      targetType: 'user',
      targetId: row!.id,
      outcome: 'success' as const,
      details: { userName: (row!.resource as ScimUserResource).userName },
    },
  ],
  outbox: (row: UserRow | undefined) => [
    {
      resourceType: 'User' as const,
      resourceId: row!.id,
      userStoreId: row!.userStoreId,
      eventType: action,
      payload: {
        ...(row!.resource as object),
        id: row!.id,
        meta: { version: row!.version, created: row!.createdAt.toISOString(), lastModified: row!.updatedAt.toISOString() },
      },
      resourceVersion: row!.version,
    },
  ],
});

const scimResource = (userName: string, extra: Record<string, unknown> = {}): ScimUserResource =>
  ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: 'Bob', familyName: 'Jones' },
    emails: [{ value: `${userName}@example.com`, primary: true }],
    ...extra,
  }) as ScimUserResource;

async function newUser(tag: string, name = `bob.${tag}`): Promise<UserRow> {
  const store = await getUserStoreByDomain(db(), 'PRIMARY');
  return insertUser(db(), { userStoreId: store.id, userName: name, resource: scimResource(name) });
}

/** The fast path's answer is the row as stored, and its events show that row (meta from the same timestamps). */
async function expectStored(result: Written) {
  const row = result.result as UserRow;
  const [stored] = await db().select().from(users).where(eq(users.id, row.id));
  expect(row).toEqual(stored);
  const payload = (result.rows.outbox_events![0] as { payload: { meta: Record<string, unknown> } }).payload;
  expect(payload.meta).toEqual({
    version: stored!.version,
    created: stored!.createdAt.toISOString(),
    lastModified: stored!.updatedAt.toISOString(),
  });
}

describe('SCIM writes: the fast path writes what the plain path writes', () => {
  it('create', async () => {
    const { fast } = await samePaths(async (path, tag) => {
      const store = await getUserStoreByDomain(db(), 'PRIMARY');
      const resource = scimResource(`carol.${tag}`, { title: 'Engineer' });
      const provenance = { title: { source: 'scim' as const, sourceId: 'client-1', at: new Date().toISOString() } };
      return written(() =>
        commit(path, {
          user: { insert: { userStoreId: store.id, userName: resource.userName, resource, provenance } },
          ...scimEvents('create'),
        }),
      );
    });
    await expectStored(fast);
  });

  for (const ifMatch of [true, false]) {
    it(`replace/patch at the version read (${ifMatch ? 'If-Match' : 'no If-Match: the version read'})`, async () => {
      const { fast } = await samePaths(async (path, tag) => {
        const before = await newUser(tag);
        const changes = { resource: scimResource(before.userName, { title: 'Lead', active: false }), userName: before.userName };
        return written(() =>
          commit(path, { user: { update: { id: before.id, changes, expectedVersion: before.version, before } }, ...scimEvents('update') }),
        );
      });
      await expectStored(fast);
    });
  }

  it('an update without a version and with fixed events (one statement too)', async () => {
    const { fast } = await samePaths(async (path, tag) => {
      const before = await newUser(tag);
      const changes = { resource: scimResource(before.userName, { title: 'Lead' }) };
      const audit = [
        { actorType: 'system' as const, action: 'user.update', targetType: 'user', targetId: before.id, outcome: 'success' as const },
      ];
      return written(() => commit(path, { user: { update: { id: before.id, changes } }, audit, outbox: [] }));
    });
    expect((fast.result as UserRow).version).toBe(2);
  });
});

describe('failures: the same error on both paths, nothing written', () => {
  const nothing = (result: Written) => expect(Object.values(result.rows).flat()).toEqual([]);

  it('a taken userName on create (409 uniqueness)', async () => {
    const { fast } = await samePaths(async (path, tag) => {
      const store = await getUserStoreByDomain(db(), 'PRIMARY');
      await newUser(tag);
      const resource = scimResource(`BOB.${tag}`);
      return written(() =>
        commit(path, { user: { insert: { userStoreId: store.id, userName: `BOB.${tag}`, resource } }, ...scimEvents('create') }),
      );
    });
    expect(fast.error?.code).toBe('uniqueness');
    nothing(fast);
  });

  it('a taken userName on update (409 uniqueness)', async () => {
    const { fast } = await samePaths(async (path, tag) => {
      await newUser(tag, `taken.${tag}`);
      const before = await newUser(tag);
      const changes = { resource: scimResource(`taken.${tag}`), userName: `taken.${tag}` };
      return written(() =>
        commit(path, { user: { update: { id: before.id, changes, expectedVersion: before.version, before } }, ...scimEvents('update') }),
      );
    });
    expect(fast.error?.code).toBe('uniqueness');
    nothing(fast);
  });

  it('a stale version (412 version_mismatch)', async () => {
    const { fast } = await samePaths(async (path, tag) => {
      const before = await newUser(tag);
      await updateUser(db(), before.id, { resource: scimResource(before.userName, { title: 'Someone else' }) });
      const changes = { resource: scimResource(before.userName, { title: 'Mine' }) };
      return written(() =>
        commit(path, { user: { update: { id: before.id, changes, expectedVersion: before.version, before } }, ...scimEvents('update') }),
      );
    });
    expect(fast.error?.code).toBe('version_mismatch');
    nothing(fast);
  });

  it('a user deleted meanwhile (404 user_not_found)', async () => {
    const { fast } = await samePaths(async (path, tag) => {
      const before = { ...(await newUser(tag)), id: randomUUID() };
      const changes = { resource: scimResource(before.userName, { title: 'Mine' }) };
      return written(() =>
        commit(path, { user: { update: { id: before.id, changes, expectedVersion: before.version, before } }, ...scimEvents('update') }),
      );
    });
    expect(fast.error?.code).toBe('user_not_found');
    nothing(fast);
  });

  it('a concurrent link of the same identity (stale_change), the new user rolled back with it', async () => {
    const { fast } = await samePaths(async (path, tag) => {
      const idp = await createIdp(server);
      const existing = await newUser(tag, `first.${tag}`);
      await commit('plain', {
        link: { insert: { idpId: idp.id, subject: `sub-${tag}`, userId: existing.id, lastClaims: null }, sync: null },
        audit: [],
        outbox: [],
      });
      const store = await getUserStoreByDomain(db(), 'PRIMARY');
      const id = randomUUID();
      const resource = scimResource(`second.${tag}`);
      const audit = [
        { actorType: 'idp' as const, actorId: idp.id, action: 'jit.create', targetType: 'user', targetId: id, outcome: 'success' as const },
      ];
      return written(() =>
        commit(path, {
          user: { insert: { id, userStoreId: store.id, userName: resource.userName, resource } },
          link: { insert: { idpId: idp.id, subject: `sub-${tag}`, userId: id, lastClaims: null }, sync: null },
          audit,
          outbox: [],
        }),
      );
    });
    expect(fast.error?.code).toBe('stale_change');
    nothing(fast);
  });
});
