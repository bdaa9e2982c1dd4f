// oidc-provider's storage (oidc_payloads) as prepared hot statements, on whichever driver this run uses: on the
// database itself (prepared on PostgreSQL) and inside a transaction (through drizzle) the rows read back the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Database, Executor } from '../../src/store/database.js';
import {
  consumeOidcPayload,
  countOidcPayloads,
  destroyOidcPayload,
  findOidcPayload,
  findOidcPayloadByUid,
  findOidcPayloadByUserCode,
  revokeOidcGrant,
  upsertOidcPayload,
  upsertOidcPayloads,
  findGrantSourceWithGrantAndSession,
  findInteractionWithAccount,
  writeOidcPayloads,
} from '../../src/store/oidc-payloads-repo.js';
import { findAccountUserWithGroups } from '../../src/store/index.js';
import { groupMembers, groups, users } from '../../src/store/schema/index.js';
import { getUserStoreByDomain } from '../../src/store/user-stores-repo.js';
import { openMigratedTestDatabase, type MigratedTestDatabase } from '../support/database.js';

let testDatabase: MigratedTestDatabase;
let database: Database;

beforeAll(async () => {
  testDatabase = await openMigratedTestDatabase('oidc_payloads');
  database = testDatabase.database;
});
afterAll(async () => testDatabase?.close());

async function lifecycle(executor: Executor, prefix: string) {
  const payload = {
    kind: 'Session',
    uid: `${prefix}-uid`,
    grantId: `${prefix}-grant`,
    userCode: `${prefix}-code`,
    nested: { a: [1, 'b'] },
  };
  await upsertOidcPayload(executor, 'Session', `${prefix}-1`, payload, 60);
  expect(await findOidcPayload(executor, 'Session', `${prefix}-1`)).toEqual(payload);
  expect(await findOidcPayload(executor, 'Grant', `${prefix}-1`)).toBeUndefined();
  expect(await findOidcPayloadByUid(executor, 'Session', `${prefix}-uid`)).toEqual(payload);
  expect(await findOidcPayloadByUserCode(executor, 'Session', `${prefix}-code`)).toEqual(payload);

  const before = Math.floor(Date.now() / 1000);
  await consumeOidcPayload(executor, 'Session', `${prefix}-1`);
  const consumed = await findOidcPayload(executor, 'Session', `${prefix}-1`);
  expect(Number.isInteger(consumed?.consumed)).toBe(true);
  expect(consumed!.consumed as number).toBeGreaterThanOrEqual(before - 5);
  expect(consumed!.consumed as number).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 5);
  expect(consumed).toMatchObject(payload);

  // An upsert replaces the payload and clears consumption; no expiry means it never expires.
  await upsertOidcPayload(executor, 'Session', `${prefix}-1`, { replaced: true }, undefined);
  expect(await findOidcPayload(executor, 'Session', `${prefix}-1`)).toEqual({ replaced: true });
  expect(await findOidcPayloadByUid(executor, 'Session', `${prefix}-uid`)).toBeUndefined();

  // Expired rows are not read (the sweep deletes them later).
  await upsertOidcPayload(executor, 'AccessToken', `${prefix}-old`, { grantId: `${prefix}-grant` }, 60);
  await executor.execute(
    sql`update oidc_payloads set expires_at = now() - interval '1 second' where model = 'AccessToken' and id = ${`${prefix}-old`}`,
  );
  expect(await findOidcPayload(executor, 'AccessToken', `${prefix}-old`)).toBeUndefined();

  await destroyOidcPayload(executor, 'Session', `${prefix}-1`);
  expect(await findOidcPayload(executor, 'Session', `${prefix}-1`)).toBeUndefined();

  await upsertOidcPayload(executor, 'RefreshToken', `${prefix}-rt`, { grantId: `${prefix}-grant` }, 60);
  await revokeOidcGrant(executor, `${prefix}-grant`);
  expect(await findOidcPayload(executor, 'RefreshToken', `${prefix}-rt`)).toBeUndefined();
}

describe('oidc_payloads', () => {
  it('upsert, find (by id, uid, user code), consume, expiry, destroy and revoke on the database, many times', async () => {
    // Past the fifth execution PostgreSQL may switch a prepared statement to its generic plan.
    for (let i = 0; i < 7; i++) await lifecycle(database.db, `db${i}`);
    expect((await countOidcPayloads(database.db)).Session ?? 0).toBe(0);
  });

  it('the same inside a transaction, which rolls back with it', async () => {
    const rolledBack = new Error('roll back');
    await expect(
      database.db.transaction(async (tx) => {
        await lifecycle(tx, 'tx');
        await upsertOidcPayload(tx, 'Grant', 'tx-kept', { a: 1 }, 60);
        expect(await findOidcPayload(tx, 'Grant', 'tx-kept')).toEqual({ a: 1 });
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
    expect(await findOidcPayload(database.db, 'Grant', 'tx-kept')).toBeUndefined();
  });

  it('writes several payloads in one statement, replacing rows already there, many times', async () => {
    for (let i = 0; i < 7; i++) {
      const session = { uid: `many-uid-${i}`, accountId: 'a', grantId: `many-grant-${i}` };
      await upsertOidcPayloads(database.ephemeralDb, [
        { model: 'Session', id: `many-${i}`, payload: session, expiresInSeconds: 60 },
        { model: 'SessionIdp', id: `many-uid-${i}`, payload: { idpId: 'first' }, expiresInSeconds: 60 },
      ]);
      await upsertOidcPayloads(database.ephemeralDb, [
        { model: 'Session', id: `many-${i}`, payload: { ...session, accountId: 'b' }, expiresInSeconds: undefined },
        { model: 'SessionIdp', id: `many-uid-${i}`, payload: { idpId: 'second', nested: { a: [1, 'é'] } }, expiresInSeconds: 60 },
        { model: 'Grant', id: `many-grant-${i}`, payload: { accountId: 'b' }, expiresInSeconds: 60 },
      ]);
      expect(await findOidcPayloadByUid(database.db, 'Session', `many-uid-${i}`)).toEqual({ ...session, accountId: 'b' });
      expect(await findOidcPayload(database.db, 'SessionIdp', `many-uid-${i}`)).toEqual({ idpId: 'second', nested: { a: [1, 'é'] } });
      // The grant_id column comes from the payload as with a single upsert: revoking the grant takes the session.
      await revokeOidcGrant(database.db, `many-grant-${i}`);
      expect(await findOidcPayload(database.db, 'Session', `many-${i}`)).toBeUndefined();
      expect(await findOidcPayload(database.db, 'Grant', `many-grant-${i}`)).toBeUndefined();
    }
    // Inside a transaction too (through drizzle, unprepared), and rolled back with it.
    const rolledBack = new Error('roll back');
    await expect(
      database.db.transaction(async (tx) => {
        await upsertOidcPayloads(tx, [
          { model: 'Session', id: 'many-tx', payload: { uid: 'many-uid-tx' }, expiresInSeconds: 60 },
          { model: 'SessionIdp', id: 'many-uid-tx', payload: { idpId: 'tx' }, expiresInSeconds: 60 },
        ]);
        expect(await findOidcPayload(tx, 'SessionIdp', 'many-uid-tx')).toEqual({ idpId: 'tx' });
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
    expect(await findOidcPayload(database.db, 'SessionIdp', 'many-uid-tx')).toBeUndefined();
  });

  it('reads a code with the grant and the session it names in one statement, consumed or not', async () => {
    for (let i = 0; i < 7; i++) {
      const code = { grantId: `ctx-grant-${i}`, sessionUid: `ctx-session-uid-${i}`, accountId: 'a' };
      await upsertOidcPayloads(database.db, [
        { model: 'AuthorizationCode', id: `ctx-code-${i}`, payload: code, expiresInSeconds: 60 },
        { model: 'Grant', id: `ctx-grant-${i}`, payload: { accountId: 'a' }, expiresInSeconds: 60 },
        { model: 'Session', id: `ctx-session-${i}`, payload: { uid: `ctx-session-uid-${i}` }, expiresInSeconds: 60 },
      ]);
      expect(await findGrantSourceWithGrantAndSession(database.db, 'AuthorizationCode', `ctx-code-${i}`)).toEqual({
        source: code,
        grant: { accountId: 'a' },
        session: { uid: `ctx-session-uid-${i}` },
      });
      await consumeOidcPayload(database.db, 'AuthorizationCode', `ctx-code-${i}`);
      await destroyOidcPayload(database.db, 'Session', `ctx-session-${i}`);
      const after = await findGrantSourceWithGrantAndSession(database.db, 'AuthorizationCode', `ctx-code-${i}`);
      expect(after).toEqual({ source: { ...code, consumed: expect.any(Number) }, grant: { accountId: 'a' } });
    }
    expect(await findGrantSourceWithGrantAndSession(database.db, 'AuthorizationCode', 'no-such-code')).toEqual({});
    expect(await findGrantSourceWithGrantAndSession(database.db, 'RefreshToken', 'ctx-code-0')).toEqual({});
  });

  it('reads the local user a code or an interaction names (with its groups) in the same statement, as findAccount would', async () => {
    const store = await getUserStoreByDomain(database.db, 'PRIMARY');
    const [user] = await database.db
      .insert(users)
      .values({
        userStoreId: store!.id,
        userName: 'ahead',
        resource: { userName: 'ahead', name: { givenName: 'A' } },
        provenance: { 'name.givenName': { source: 'idp', at: '2026-12-01T00:00:00Z' } },
      })
      .returning({ id: users.id });
    const [zeta, alpha] = await database.db
      .insert(groups)
      .values([
        { userStoreId: store!.id, displayName: 'zeta', resource: {} },
        { userStoreId: store!.id, displayName: 'Alpha', resource: {} },
      ])
      .returning({ id: groups.id });
    await database.db.insert(groupMembers).values([
      { groupId: zeta!.id, memberId: user!.id, memberType: 'User' },
      { groupId: alpha!.id, memberId: user!.id, memberType: 'User' },
    ]);
    const expected = await findAccountUserWithGroups(database.db, user!.id);
    expect(expected).toMatchObject({ id: user!.id, active: true, locked: false, groups: ['Alpha', 'zeta'] });

    for (let i = 0; i < 7; i++) {
      const code = { grantId: `acc-grant-${i}`, accountId: user!.id };
      const interaction = { uid: `acc-int-${i}`, result: { login: { accountId: user!.id } } };
      await upsertOidcPayloads(database.db, [
        { model: 'AuthorizationCode', id: `acc-code-${i}`, payload: code, expiresInSeconds: 60 },
        { model: 'Interaction', id: `acc-int-${i}`, payload: interaction, expiresInSeconds: 60 },
      ]);
      const fromCode = await findGrantSourceWithGrantAndSession(database.db, 'AuthorizationCode', `acc-code-${i}`);
      expect(fromCode).toEqual({ source: code, account: expected });
      expect(fromCode.account!.updatedAt.getTime()).toBe(expected!.updatedAt.getTime());
      expect(await findInteractionWithAccount(database.db, `acc-int-${i}`)).toEqual({ interaction, account: expected });
    }

    // A pairwise account id (JIT off), an id of nobody, no login result, no interaction: no account, no failed cast.
    const others = [
      { id: 'pairwise', payload: { result: { login: { accountId: 'pW9x-not-a-uuid' } } } },
      { id: 'nobody', payload: { result: { login: { accountId: '00000000-0000-4000-8000-000000000000' } } } },
      { id: 'refused', payload: { result: { error: 'access_denied' } } },
    ];
    for (const { id, payload } of others) {
      await upsertOidcPayload(database.db, 'Interaction', `acc-${id}`, payload, 60);
      expect(await findInteractionWithAccount(database.db, `acc-${id}`)).toEqual({ interaction: payload, account: undefined });
    }
    expect(await findInteractionWithAccount(database.db, 'acc-none')).toEqual({ interaction: undefined, account: undefined });
  });

  it('deletes some rows and upserts others in one statement, many times; rolled back, it leaves both as they were', async () => {
    for (let i = 0; i < 7; i++) {
      await upsertOidcPayload(database.db, 'Interaction', `wd-int-${i}`, { uid: `wd-int-${i}` }, 60);
      await writeOidcPayloads(
        database.db,
        [
          { model: 'Session', id: `wd-session-${i}`, payload: { uid: `wd-s-${i}` }, expiresInSeconds: 60 },
          { model: 'AuthorizationCode', id: `wd-code-${i}`, payload: { grantId: `wd-g-${i}` }, expiresInSeconds: 60 },
        ],
        [{ model: 'Interaction', id: `wd-int-${i}` }],
      );
      expect(await findOidcPayload(database.db, 'Interaction', `wd-int-${i}`)).toBeUndefined();
      expect(await findOidcPayload(database.db, 'Session', `wd-session-${i}`)).toEqual({ uid: `wd-s-${i}` });
      expect(await findOidcPayload(database.db, 'AuthorizationCode', `wd-code-${i}`)).toEqual({ grantId: `wd-g-${i}` });
      await writeOidcPayloads(database.db, [], [{ model: 'Session', id: `wd-session-${i}` }]);
      expect(await findOidcPayload(database.db, 'Session', `wd-session-${i}`)).toBeUndefined();
    }
    // Inside a transaction that rolls back: neither the delete nor the upsert stays.
    await upsertOidcPayload(database.db, 'Interaction', 'wd-tx', { uid: 'wd-tx' }, 60);
    const rolledBack = new Error('roll back');
    await expect(
      database.db.transaction(async (tx) => {
        await writeOidcPayloads(
          tx,
          [{ model: 'Session', id: 'wd-tx-s', payload: {}, expiresInSeconds: 60 }],
          [{ model: 'Interaction', id: 'wd-tx' }],
        );
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
    expect(await findOidcPayload(database.db, 'Interaction', 'wd-tx')).toEqual({ uid: 'wd-tx' });
    expect(await findOidcPayload(database.db, 'Session', 'wd-tx-s')).toBeUndefined();
  });

  it('on the ephemeral handle (synchronous_commit off on PostgreSQL) a write is read back at once from the other', async () => {
    await upsertOidcPayload(database.ephemeralDb, 'Interaction', 'eph-1', { uid: 'eph-uid' }, 60);
    expect(await findOidcPayload(database.db, 'Interaction', 'eph-1')).toEqual({ uid: 'eph-uid' });
    await destroyOidcPayload(database.db, 'Interaction', 'eph-1');
    expect(await findOidcPayload(database.ephemeralDb, 'Interaction', 'eph-1')).toBeUndefined();
  });
});
