// Each test file gets a database of its own: a fresh in-memory PGlite, or, when DATABASE_URL is set,
// a new PostgreSQL database on that server (dropped at the end).
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import postgres from 'postgres';
import { ensureDefaults } from '../../src/store/index.js';
import { openDatabase, type Database } from '../../src/store/database.js';

export interface TestDatabase {
  kind: 'pglite' | 'postgres';
  /** Set on PostgreSQL: the URL of this file's own database. */
  url: string | undefined;
  /** Set on PGlite: the in-memory instance (share it to run two app instances on one database). */
  pglite: PGlite | undefined;
  drop(): Promise<void>;
}

export const usingPostgres = () => Boolean(process.env.DATABASE_URL);

export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const pglite = await PGlite.create({ extensions: { pg_trgm } });
    return { kind: 'pglite', url: undefined, pglite, drop: () => pglite.close() };
  }
  const name = `jb_${label
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()
    .slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    kind: 'postgres',
    url: url.toString(),
    pglite: undefined,
    drop: async () => {
      const again = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists "${name}" with (force)`);
      await again.end();
    },
  };
}

export interface MigratedTestDatabase {
  database: Database;
  /** Closes the connection and drops the database. */
  close(): Promise<void>;
}

/** A database of this file's own, migrated, and seeded with the defaults (PRIMARY store, settings) unless told not to. */
export async function openMigratedTestDatabase(
  label: string,
  options: { poolSize?: number; defaults?: boolean } = {},
): Promise<MigratedTestDatabase> {
  const testDb = await createTestDatabase(label);
  const database = await openDatabase({
    databaseUrl: testDb.url,
    pglite: testDb.pglite,
    ...(options.poolSize ? { poolSize: options.poolSize } : {}),
  });
  await database.migrate();
  if (options.defaults !== false) await ensureDefaults(database.db);
  return {
    database,
    close: async () => {
      await database.close();
      await testDb.drop();
    },
  };
}
