// Local passwords: the admin endpoint (policy, hashing, audit + outbox, nothing written on bad input) and
// the LOCAL sign-in check (same answer for unknown users, locked/inactive refused, failures throttled per
// account and per address in the database, shared by instances), on the embedded database or PostgreSQL.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCIM_USER_SCHEMA } from '../../src/domain/index.js';
import { verifyLocalSignIn, type ThrottleRules } from '../../src/accounts/local-credentials.js';
import { rows } from '../../src/store/database.js';
import { sweepLoginThrottle, insertUser, updateUser } from '../../src/store/index.js';
import { loginThrottle, users } from '../../src/store/schema/index.js';
import { getUserStoreByDomain, insertUserStore } from '../../src/store/user-stores-repo.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let aliceId: string;
let bobId: string;
const PASSWORD = 'violet-harbour-lantern';

beforeAll(async () => {
  server = await startTestServer({ label: 'local_credentials' });
  const db = server.ctx.store.db;
  const primary = await getUserStoreByDomain(db, 'PRIMARY');
  const employees = await insertUserStore(db, { domain: 'EMPLOYEES', description: '', usernameRegex: null, rolenameRegex: null });
  aliceId = (
    await insertUser(db, { userStoreId: primary.id, userName: 'alice', resource: { schemas: [SCIM_USER_SCHEMA], userName: 'alice' } })
  ).id;
  bobId = (
    await insertUser(db, {
      userStoreId: employees.id,
      userName: 'bob',
      resource: { schemas: [SCIM_USER_SCHEMA], userName: 'EMPLOYEES/bob' },
    })
  ).id;
});
afterAll(async () => server?.stop());

const count = async (table: string) =>
  Number((await rows<{ n: number }>(server.ctx.store.db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n);
const hashOf = async (id: string) => (await server.ctx.store.db.select().from(users).where(eq(users.id, id)))[0]!.passwordHash;

describe('PUT /api/v1/users/{id}/password', () => {
  it('refuses a weak password naming each problem, and writes nothing', async () => {
    const [audits, outbox] = [await count('audit_events'), await count('outbox_events')];
    const weak = await server.admin('PUT', `/api/v1/users/${aliceId}/password`, { password: 'alice' });
    expect(weak.status).toBe(400);
    const problem = (await weak.json()) as { code: string; errors: Array<{ field: string; message: string }> };
    expect(problem.code).toBe('weak_password');
    expect(problem.errors.map((e) => e.message)).toEqual([
      'Use at least 10 characters.',
      'The password must not be your username.',
      'This password is too common; choose one that is harder to guess.',
    ]);
    const mismatch = await server.admin('PUT', `/api/v1/users/${aliceId}/password`, { password: PASSWORD, confirmation: 'something else' });
    expect(((await mismatch.json()) as { code: string }).code).toBe('password_mismatch');
    const unknownUser = await server.admin('PUT', '/api/v1/users/00000000-0000-4000-8000-000000000000/password', { password: PASSWORD });
    expect(unknownUser.status).toBe(404);
    expect(await hashOf(aliceId)).toBeNull();
    expect(await count('audit_events')).toBe(audits);
    expect(await count('outbox_events')).toBe(outbox);
  });

  it('stores a scrypt hash (never the password), with an audit and an outbox event that carry no secret', async () => {
    const [audits, outbox] = [await count('audit_events'), await count('outbox_events')];
    expect((await server.admin('PUT', `/api/v1/users/${aliceId}/password`, { password: PASSWORD, confirmation: PASSWORD })).status).toBe(
      204,
    );
    expect((await server.admin('PUT', `/api/v1/users/${bobId}/password`, { password: PASSWORD })).status).toBe(204);
    const hash = await hashOf(aliceId);
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(hash).not.toContain(PASSWORD);
    expect(await count('audit_events')).toBe(audits + 2);
    expect(await count('outbox_events')).toBe(outbox + 2);
    const recent = await rows<{ text: string }>(
      server.ctx.store.db,
      sql`select coalesce(details::text, '') || coalesce(payload::text, '') as text from (
            select details, null::jsonb as payload from audit_events union all select null, payload from outbox_events) x`,
    );
    expect(recent.some((r) => r.text.includes(PASSWORD) || r.text.includes(hash!))).toBe(false);
  });
});

describe('LOCAL sign-in', () => {
  const signIn = (username: string, password: string, clientAddress = '192.0.2.1', rules?: ThrottleRules) =>
    verifyLocalSignIn(server.ctx.store, { username, password, clientAddress }, rules ? { rules } : {});

  it('accepts the right password, for PRIMARY and for a DOMAIN/name user', async () => {
    expect(await signIn('alice', PASSWORD)).toEqual({ ok: true, userId: aliceId, userName: 'alice' });
    expect(await signIn('employees/BOB', PASSWORD)).toEqual({ ok: true, userId: bobId, userName: 'EMPLOYEES/bob' });
  });

  it('gives one answer for a wrong password, an unknown user, an unknown domain and a user without a password', async () => {
    const db = server.ctx.store.db;
    const primary = await getUserStoreByDomain(db, 'PRIMARY');
    await insertUser(db, { userStoreId: primary.id, userName: 'nopass', resource: { schemas: [SCIM_USER_SCHEMA], userName: 'nopass' } });
    const answers = [
      await signIn('alice', 'wrong-password-here'),
      await signIn('nobody', PASSWORD),
      await signIn('NOWHERE/alice', PASSWORD),
      await signIn('nopass', PASSWORD),
    ];
    for (const answer of answers)
      expect(answer).toEqual({ ok: false, code: 'invalid_credentials', message: 'The username or password is not correct.' });
  });

  it('refuses locked and inactive users, saying so only after a right password', async () => {
    await updateUser(server.ctx.store.db, bobId, { locked: true, lockedReason: 'test' });
    expect(await signIn('EMPLOYEES/bob', PASSWORD)).toMatchObject({ ok: false, code: 'account_unavailable' });
    expect(await signIn('EMPLOYEES/bob', 'wrong-password-here')).toMatchObject({ ok: false, code: 'invalid_credentials' });
    await updateUser(server.ctx.store.db, bobId, {
      locked: false,
      resource: { schemas: [SCIM_USER_SCHEMA], userName: 'EMPLOYEES/bob', active: false },
    });
    expect(await signIn('EMPLOYEES/bob', PASSWORD)).toMatchObject({ ok: false, code: 'account_unavailable' });
  });

  it('blocks an account after repeated failures, known or unknown alike, even with the right password after', async () => {
    const rules: ThrottleRules = {
      account: { limit: 3, windowSeconds: 600, blockSeconds: 600 },
      address: { limit: 100, windowSeconds: 600, blockSeconds: 600 },
    };
    const db = server.ctx.store.db;
    const primary = await getUserStoreByDomain(db, 'PRIMARY');
    const carol = await insertUser(db, {
      userStoreId: primary.id,
      userName: 'carol',
      resource: { schemas: [SCIM_USER_SCHEMA], userName: 'carol' },
    });
    expect((await server.admin('PUT', `/api/v1/users/${carol.id}/password`, { password: PASSWORD })).status).toBe(204);
    for (let i = 0; i < 3; i++) {
      expect((await signIn('carol', `wrong-${i}-password`, '198.51.100.7', rules)).ok).toBe(false);
      expect((await signIn('ghost', `wrong-${i}-password`, '198.51.100.8', rules)).ok).toBe(false);
    }
    const known = await signIn('carol', PASSWORD, '198.51.100.9', rules);
    const unknown = await signIn('ghost', PASSWORD, '198.51.100.9', rules);
    expect(known).toMatchObject({ ok: false, code: 'too_many_attempts' });
    expect(unknown).toMatchObject({ ok: false, code: 'too_many_attempts' });
    expect((known as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(500);
    // A second instance on the same database sees the same block.
    const other = await startTestServer({ database: server.database });
    try {
      expect(
        await verifyLocalSignIn(other.ctx.store, { username: 'Carol', password: PASSWORD, clientAddress: '203.0.113.1' }, { rules }),
      ).toMatchObject({ code: 'too_many_attempts' });
    } finally {
      await other.stop();
    }
    // An admin setting a new password lifts the block.
    expect((await server.admin('PUT', `/api/v1/users/${carol.id}/password`, { password: 'amber-quarry-whistle' })).status).toBe(204);
    expect(await signIn('carol', 'amber-quarry-whistle', '198.51.100.9', rules)).toMatchObject({ ok: true, userId: carol.id });
  });

  it('blocks a client address that fails on many usernames, leaving other addresses alone', async () => {
    const rules: ThrottleRules = {
      account: { limit: 100, windowSeconds: 600, blockSeconds: 600 },
      address: { limit: 3, windowSeconds: 600, blockSeconds: 600 },
    };
    for (const name of ['u1', 'u2', 'u3']) expect((await signIn(name, 'wrong-password-x', '203.0.113.50', rules)).ok).toBe(false);
    expect(await signIn('alice', PASSWORD, '203.0.113.50', rules)).toMatchObject({ code: 'too_many_attempts' });
    expect(await signIn('alice', PASSWORD, '203.0.113.51', rules)).toMatchObject({ ok: true });
  });

  it('DELETE /users/{id}/password removes the password; LOCAL sign-in then fails like any wrong password', async () => {
    expect((await server.admin('DELETE', `/api/v1/users/${aliceId}/password`)).status).toBe(204);
    expect(await hashOf(aliceId)).toBeNull();
    expect(await signIn('alice', PASSWORD, '192.0.2.99')).toMatchObject({ ok: false, code: 'invalid_credentials' });
  });

  it('the sweep removes idle unblocked rows and keeps blocked ones', async () => {
    const db = server.ctx.store.db;
    await db.execute(sql`update login_throttle set updated_at = now() - interval '2 days'`);
    const blocked = (await db.select().from(loginThrottle)).filter((r) => r.blockedUntil && r.blockedUntil.getTime() > Date.now()).length;
    expect(blocked).toBeGreaterThan(0);
    await sweepLoginThrottle(db);
    const left = await db.select().from(loginThrottle);
    expect(left).toHaveLength(blocked);
  });
});
