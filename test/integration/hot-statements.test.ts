// queryRows with `prepare`, the prepared-statement path of the login hot path, on whichever driver this run uses:
// the same rows on the database itself (driver, prepared on PostgreSQL) and inside a transaction (through drizzle),
// for drizzle's `sql` and for a statement already compiled to `$n` text (scim-sql-text.ts).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { defaultJitPolicy, SCIM_USER_SCHEMA } from '../../src/domain/index.js';
import { queryRows, rows, type Database, type Executor } from '../../src/store/database.js';
import {
  findIdentityProvider,
  findIdentityProviderWithSecrets,
  insertIdentityProvider,
  updateIdentityProvider,
  type IdentityProviderInput,
  writeChange,
  findLoginContext,
} from '../../src/store/index.js';
import { identityProviders } from '../../src/store/schema/index.js';
import { getUserStoreByDomain } from '../../src/store/user-stores-repo.js';
import { openMigratedTestDatabase, type MigratedTestDatabase } from '../support/database.js';

let testDatabase: MigratedTestDatabase;
let database: Database;

beforeAll(async () => {
  testDatabase = await openMigratedTestDatabase('hot_statements');
  database = testDatabase.database;
});
afterAll(async () => testDatabase?.close());

/** Compiled text: placeholders repeated and out of order, an array, a jsonb document, a null and a timestamp. */
const probe = (executor: Executor, i: number) =>
  queryRows<Record<string, unknown>>(
    executor,
    {
      sql: `select $2::int + $1::int as sum, $2::int as again, cardinality($3::text[]) as n, ($3::text[])[2] as second,
            $4::jsonb ->> 'k' as k, $5::text is null as missing, '2026-01-02T03:04:05Z'::timestamptz as at`,
      params: [i, 10, ['a', 'b"c', 'd,e'], JSON.stringify({ k: 'v' }), null],
    },
    { prepare: true },
  );

/** The same probe written with drizzle's `sql` through the one runner, prepared. */
const probeSql = (executor: Executor, i: number) =>
  queryRows<Record<string, unknown>>(
    executor,
    sql`select ${10}::int + ${i}::int as sum, ${10}::int as again, cardinality(${sql.param(['a', 'b"c', 'd,e'])}::text[]) as n,
            (${sql.param(['a', 'b"c', 'd,e'])}::text[])[2] as second, ${JSON.stringify({ k: 'v' })}::jsonb ->> 'k' as k,
            ${null}::text is null as missing, '2026-01-02T03:04:05Z'::timestamptz as at`,
    { prepare: true },
  );

describe('queryRows', () => {
  it("runs drizzle's sql prepared, with the same rows on the database, inside a transaction and as compiled text", async () => {
    for (let i = 0; i < 8; i++) {
      const [direct] = await probeSql(database.db, i);
      expect(direct).toEqual((await probe(database.db, i))[0]);
      const [inTx] = await database.db.transaction((tx) => probeSql(tx, i));
      expect(inTx).toEqual(direct);
    }
  });
});

describe('queryRows (prepared)', () => {
  it('answers the same on the database and inside a transaction, many times (past the point a plan is cached)', async () => {
    const expected = (i: number) => ({ sum: 10 + i, again: 10, n: 3, second: 'b"c', k: 'v', missing: true });
    for (let i = 0; i < 8; i++) {
      const [direct] = await probe(database.db, i);
      expect(direct).toMatchObject(expected(i));
      expect(typeof direct!.at).toBe('string');
      const [inTx] = await database.db.transaction((tx) => probe(tx, i));
      expect(inTx).toEqual(direct);
    }
  });

  it('inside a transaction, a login context read sees a first login written in it, which rolls back with it', async () => {
    const store = await getUserStoreByDomain(database.db, 'PRIMARY');
    const idpId = randomUUID();
    await database.db
      .insert(identityProviders)
      .values({ id: idpId, name: 'hot', protocol: 'oidc', protocolConfig: {}, jit: defaultJitPolicy() });
    const userId = randomUUID();
    const rolledBack = new Error('roll back');
    await expect(
      database.db.transaction(async (tx) => {
        const written = await writeChange(tx, {
          user: {
            insert: {
              id: userId,
              userStoreId: store.id,
              userName: 'hot.tx',
              resource: { schemas: [SCIM_USER_SCHEMA], userName: 'hot.tx', emails: [{ value: 'Hot@Example.com' }] },
            },
          },
          link: { insert: { idpId, subject: 'hot-tx', userId }, sync: null },
          audit: [{ actorType: 'idp', actorId: idpId, action: 'jit.user.create', outcome: 'success' }],
          outbox: [],
        });
        expect(written?.id).toBe(userId);
        const context = await findLoginContext(tx, idpId, 'hot-tx');
        expect(context.user).toMatchObject({ id: userId, userName: 'hot.tx', version: 1, locked: false });
        const [row] = await rows<{ email_values: string[] }>(tx, sql`select email_values from users where id = ${userId}`);
        expect(row!.email_values).toEqual(['hot@example.com']);
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
    expect((await findLoginContext(database.db, idpId, 'hot-tx')).link).toBeNull();
  });
});

describe('identity provider reads (prepared)', () => {
  it('read the record the insert answered, on the database and in a transaction; an update is seen with its new version', async () => {
    const input = {
      name: `hot-idp-${randomUUID()}`,
      protocol: 'oidc' as const,
      enabled: true,
      trustEmail: false,
      oidc: { issuer: 'https://idp.example', clientId: 'c', scopes: ['openid'] },
      claimMappings: [{ claim: 'email', attribute: 'emails[primary eq true].value' }],
      roleMappings: [],
      jit: defaultJitPolicy(),
      inactiveAfterDays: 30,
      sealedSecrets: 'sealed-value',
    } as unknown as IdentityProviderInput;
    const inserted = await insertIdentityProvider(database.db, input);
    for (let i = 0; i < 7; i++) expect(await findIdentityProvider(database.db, inserted.id)).toEqual(inserted);
    expect(await database.db.transaction((tx) => findIdentityProvider(tx, inserted.id))).toEqual(inserted);
    const withSecrets = await findIdentityProviderWithSecrets(
      database.db,
      { openJson: (sealed: string) => ({ sealed }) } as never,
      inserted.id,
    );
    expect(withSecrets?.idp).toEqual(inserted);
    expect(withSecrets?.secrets()).toEqual({ sealed: 'sealed-value' });
    expect(await findIdentityProvider(database.db, 'not-a-uuid')).toBeUndefined();
    expect(await findIdentityProvider(database.db, randomUUID())).toBeUndefined();
    const updated = await updateIdentityProvider(database.db, inserted.id, { ...input, enabled: false });
    const read = await findIdentityProvider(database.db, inserted.id);
    expect(read).toEqual(updated);
    expect(read).toMatchObject({ enabled: false, version: inserted.version + 1 });
    expect(read!.updatedAt.getTime()).toBeGreaterThanOrEqual(inserted.updatedAt.getTime());
  });
});
