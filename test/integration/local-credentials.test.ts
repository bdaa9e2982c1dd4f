// Local passwords: the admin endpoint (policy, hashing, audit + outbox, nothing written on bad input) and
// the LOCAL sign-in check (same answer for unknown users, locked/inactive refused, failures throttled per
// before the hash, per account from one address, per address and per account, in the database, shared by
// instances; seen and lifted by an admin), on the embedded database or PostgreSQL.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCIM_USER_SCHEMA } from '../../src/domain/index.js';
import { verifyLocalSignIn } from '../../src/accounts/local-credentials.js';
import type { ThrottleRules } from '../../src/accounts/sign-in-throttle.js';
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
  // These tests count throttled attempts, not the hash queue: on a loaded machine a burst's scrypt runs may wait
  // past the default 5 s queue timeout, which would answer 503 instead of the throttle's verdict.
  server = await startTestServer({ label: 'local_credentials', config: { passwordHashQueueTimeoutMs: 60_000 } });
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

  const rule = (freeFailures: number, waitIncrementSeconds = 100, maxWaitSeconds = 250) => ({
    freeFailures,
    waitIncrementSeconds,
    maxWaitSeconds,
    failureResetSeconds: 3600,
  });
  const strict: ThrottleRules = { accountFromAddress: rule(2), address: rule(100), account: rule(100) };
  // Each attempt that reaches the hash costs a full scrypt run: on a loaded machine these tests take minutes.
  const slow = { timeout: 300_000 };
  const newUser = async (userName: string) => {
    const primary = await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY');
    const user = await insertUser(server.ctx.store.db, {
      userStoreId: primary.id,
      userName,
      resource: { schemas: [SCIM_USER_SCHEMA], userName },
    });
    expect((await server.admin('PUT', `/api/v1/users/${user.id}/password`, { password: PASSWORD })).status).toBe(204);
    return user.id;
  };
  const failedAudits = async (userId: string) =>
    (
      await rows<{ n: number }>(
        server.ctx.store.db,
        sql`select count(*)::int as n from audit_events where action = 'local_login' and outcome = 'failure' and target_id = ${userId}`,
      )
    )[0]!.n;
  const expire = (key: string) =>
    server.ctx.store.db.execute(sql`update login_throttle set blocked_until = now() - interval '1 second' where key = ${key}`);

  it('counts parallel attempts before hashing: of 12 wrong passwords at once, only the limit reach the hash', slow, async () => {
    const id = await newUser('racer');
    const rules: ThrottleRules = { accountFromAddress: rule(5), address: rule(100), account: rule(100) };
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => signIn('racer', `wrong-${i}-password`, '198.51.100.20', rules)));
    expect(answers.filter((a) => !a.ok && a.code === 'invalid_credentials')).toHaveLength(5);
    expect(answers.filter((a) => !a.ok && a.code === 'too_many_attempts')).toHaveLength(7);
    // Each hash run records one failure audit; the throttle holds exactly the attempts that ran.
    expect(await failedAudits(id)).toBe(5);
    const [pair] = await server.ctx.store.db
      .select()
      .from(loginThrottle)
      .where(eq(loginThrottle.key, 'pair:198.51.100.20|account:PRIMARY/racer'));
    expect(pair!.failures).toBe(5);
  });

  it("makes the attacker's address wait, not the owner's, known or unknown name alike; a second instance agrees", slow, async () => {
    const id = await newUser('carol');
    for (let i = 0; i < 2; i++) {
      expect(await signIn('carol', `wrong-${i}-password`, '198.51.100.7', strict)).toMatchObject({ code: 'invalid_credentials' });
      expect(await signIn('ghost', `wrong-${i}-password`, '198.51.100.7', strict)).toMatchObject({ code: 'invalid_credentials' });
    }
    const known = await signIn('carol', PASSWORD, '198.51.100.7', strict);
    const unknown = await signIn('ghost', PASSWORD, '198.51.100.7', strict);
    expect(known).toMatchObject({ ok: false, code: 'too_many_attempts' });
    expect(unknown).toMatchObject({ ok: false, code: 'too_many_attempts' });
    expect((known as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    expect((known as { retryAfterSeconds: number }).retryAfterSeconds).toBeLessThanOrEqual(100);
    const other = await startTestServer({ database: server.database });
    try {
      expect(
        await verifyLocalSignIn(
          other.ctx.store,
          { username: 'Carol', password: PASSWORD, clientAddress: '198.51.100.7' },
          { rules: strict },
        ),
      ).toMatchObject({ code: 'too_many_attempts' });
    } finally {
      await other.stop();
    }
    // The owner, from another address, signs in.
    expect(await signIn('carol', PASSWORD, '203.0.113.9', strict)).toMatchObject({ ok: true, userId: id });
  });

  it('makes each failure past the limit wait longer, up to the maximum', slow, async () => {
    await newUser('dave');
    const key = 'pair:198.51.100.30|account:PRIMARY/dave';
    // The wait a key was given, measured from the attempt that caused it (both set by one statement).
    const waitSet = async () => {
      const [row] = await server.ctx.store.db.select().from(loginThrottle).where(eq(loginThrottle.key, key));
      return row!.blockedUntil ? Math.round((row!.blockedUntil.getTime() - row!.windowStartedAt.getTime()) / 1000) : 0;
    };
    const waits: number[] = [];
    for (let i = 0; i < 2; i++)
      expect(await signIn('dave', `wrong-${i}-password`, '198.51.100.30', strict)).toMatchObject({ code: 'invalid_credentials' });
    waits.push(await waitSet());
    for (let i = 0; i < 3; i++) {
      const refused = await signIn('dave', PASSWORD, '198.51.100.30', strict);
      expect(refused).toMatchObject({ code: 'too_many_attempts' });
      expect((refused as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
      await expire(key); // as if the wait had passed
      expect(await signIn('dave', `wrong-x${i}-password`, '198.51.100.30', strict)).toMatchObject({ code: 'invalid_credentials' });
      waits.push(await waitSet());
    }
    // 2 free failures (the second one's reservation starts the first wait), then 100 s, 200 s, and the 250 s maximum.
    expect(waits).toEqual([100, 200, 250, 250]);
  });

  it('slows an account guessed from many addresses by a ceiling, except from an address it signed in from', slow, async () => {
    const id = await newUser('erin');
    const rules: ThrottleRules = { accountFromAddress: rule(3), address: rule(100), account: rule(3, 30, 60) };
    expect(await signIn('erin', PASSWORD, '192.0.2.40', rules)).toMatchObject({ ok: true });
    for (let i = 0; i < 3; i++) expect((await signIn('erin', `wrong-${i}-password`, `203.0.113.${60 + i}`, rules)).ok).toBe(false);
    const slowed = await signIn('erin', PASSWORD, '203.0.113.99', rules);
    expect(slowed).toMatchObject({ code: 'too_many_attempts' });
    expect((slowed as { retryAfterSeconds: number }).retryAfterSeconds).toBeLessThanOrEqual(30);
    expect(await signIn('erin', PASSWORD, '192.0.2.40', rules)).toMatchObject({ ok: true, userId: id });
  });

  it('blocks a client address that fails on many usernames, leaving other addresses alone', async () => {
    const rules: ThrottleRules = { accountFromAddress: rule(100), address: rule(3), account: rule(100) };
    for (const name of ['u1', 'u2', 'u3']) expect((await signIn(name, 'wrong-password-x', '203.0.113.50', rules)).ok).toBe(false);
    expect(await signIn('alice', PASSWORD, '203.0.113.50', rules)).toMatchObject({ code: 'too_many_attempts' });
    expect(await signIn('alice', PASSWORD, '203.0.113.51', rules)).toMatchObject({ ok: true });
  });

  it('an admin sees the waits of an account and lifts them (audited); a new password lifts them too', slow, async () => {
    const id = await newUser('frank');
    for (let i = 0; i < 2; i++) await signIn('frank', `wrong-${i}-password`, '198.51.100.70', strict);
    await signIn('frank', 'wrong-x-password', '198.51.100.71', strict);
    expect(await signIn('frank', PASSWORD, '198.51.100.70', strict)).toMatchObject({ code: 'too_many_attempts' });
    const seen = await server.admin('GET', `/api/v1/users/${id}/sign-in-throttle`);
    expect(seen.status).toBe(200);
    const body = (await seen.json()) as {
      waiting: boolean;
      account: { failures: number } | null;
      addresses: Array<{ address: string; failures: number; blockedUntil: string | null }>;
    };
    expect(body.waiting).toBe(true);
    expect(body.account?.failures).toBe(3);
    expect(body.addresses.map((a) => [a.address, a.failures, a.blockedUntil !== null])).toEqual([
      ['198.51.100.70', 2, true],
      ['198.51.100.71', 1, false],
    ]);
    const audits = await count('audit_events');
    expect((await server.admin('DELETE', `/api/v1/users/${id}/sign-in-throttle`)).status).toBe(204);
    expect(await count('audit_events')).toBe(audits + 1);
    const [audit] = await rows<{ action: string; target_id: string }>(
      server.ctx.store.db,
      sql`select action, target_id from audit_events order by id desc limit 1`,
    );
    expect(audit).toEqual({ action: 'user.sign_in_throttle_clear', target_id: id });
    expect(await (await server.admin('GET', `/api/v1/users/${id}/sign-in-throttle`)).json()).toEqual({
      waiting: false,
      account: null,
      addresses: [],
    });
    expect(await signIn('frank', PASSWORD, '198.51.100.70', strict)).toMatchObject({ ok: true, userId: id });
    for (let i = 0; i < 2; i++) await signIn('frank', `wrong-${i}-password`, '198.51.100.70', strict);
    expect((await server.admin('PUT', `/api/v1/users/${id}/password`, { password: 'amber-quarry-whistle' })).status).toBe(204);
    expect(await signIn('frank', 'amber-quarry-whistle', '198.51.100.70', strict)).toMatchObject({ ok: true, userId: id });
    expect((await server.admin('GET', '/api/v1/users/00000000-0000-4000-8000-000000000000/sign-in-throttle')).status).toBe(404);
  });

  it('DELETE /users/{id}/password removes the password; LOCAL sign-in then fails like any wrong password', async () => {
    expect((await server.admin('DELETE', `/api/v1/users/${aliceId}/password`)).status).toBe(204);
    expect(await hashOf(aliceId)).toBeNull();
    expect(await signIn('alice', PASSWORD, '192.0.2.99')).toMatchObject({ ok: false, code: 'invalid_credentials' });
  });

  it('the sweep removes idle unblocked rows, keeps waiting ones, and keeps known addresses for 30 days', async () => {
    const db = server.ctx.store.db;
    await db.execute(sql`update login_throttle set updated_at = now() - interval '2 days'`);
    const all = await db.select().from(loginThrottle);
    const waiting = all.filter((r) => r.blockedUntil && r.blockedUntil.getTime() > Date.now()).length;
    const known = all.filter((r) => r.key.startsWith('known:')).length;
    expect(waiting).toBeGreaterThan(0);
    expect(known).toBeGreaterThan(0);
    await sweepLoginThrottle(db);
    expect(await db.select().from(loginThrottle)).toHaveLength(waiting + known);
    await db.execute(sql`update login_throttle set updated_at = now() - interval '31 days'`);
    await sweepLoginThrottle(db);
    expect(await db.select().from(loginThrottle)).toHaveLength(waiting);
  });
});
