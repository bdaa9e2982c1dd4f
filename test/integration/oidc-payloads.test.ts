// oidc-provider's storage (oidc_payloads) as prepared hot statements, on whichever driver this run uses: on the
// database itself (prepared on PostgreSQL) and inside a transaction (through drizzle) the rows read back the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { fastCommit, type Database, type Executor } from '../../src/store/database.js';
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
} from '../../src/store/oidc-payloads-repo.js';
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
      await upsertOidcPayloads(database.db, [
        { model: 'Session', id: `many-${i}`, payload: session, expiresInSeconds: 60 },
        { model: 'SessionIdp', id: `many-uid-${i}`, payload: { idpId: 'first' }, expiresInSeconds: 60 },
      ]);
      await upsertOidcPayloads(database.db, [
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

  it('on the ephemeral handle (synchronous_commit off on PostgreSQL) a write is read back at once from the other', async () => {
    await upsertOidcPayload(database.ephemeralDb, 'Interaction', 'eph-1', { uid: 'eph-uid' }, 60);
    expect(await findOidcPayload(database.db, 'Interaction', 'eph-1')).toEqual({ uid: 'eph-uid' });
    await destroyOidcPayload(database.db, 'Interaction', 'eph-1');
    expect(await findOidcPayload(database.ephemeralDb, 'Interaction', 'eph-1')).toBeUndefined();
  });

  it('chooses its own durability: writes of login state go to the fast-commit handle, never a transaction out of it', async () => {
    // The repository picks the handle (database.ts fastCommit); callers pass the database or their transaction.
    expect(fastCommit(database.db)).toBe(database.kind === 'postgres' ? database.ephemeralDb : database.db);
    await database.db.transaction(async (tx) => {
      expect(fastCommit(tx)).toBe(tx);
    });
    expect(fastCommit(database.backgroundDb)).toBe(database.backgroundDb);
  });
});
