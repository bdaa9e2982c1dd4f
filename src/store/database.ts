// Opens the database: the embedded PGlite (files under DATA_DIR) when no DATABASE_URL is set, else a real
// PostgreSQL through postgres.js. Past this file both are one drizzle `PgDatabase`; nothing else branches.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgDialect, PgQueryResultHKT, PgSession, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything that runs queries: the database or a transaction. Repositories take this. */
export type Executor = Db | Tx;

export const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/** Arbitrary key shared by every instance, so that concurrent start-ups migrate one at a time. */
const MIGRATION_LOCK_KEY = 4_242_001;

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /** Runs pending migrations (serialized across instances with an advisory lock). */
  migrate(): Promise<void>;
  /** Whether the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  /** Directory of the embedded database; ignored with databaseUrl. */
  dataDir?: string;
  /** An already-open PGlite (tests share one between two app instances). */
  pglite?: PGlite;
  poolSize?: number;
}

/** Rows of a raw query, the same shape from both drivers. */
export async function rows<T extends Record<string, unknown>>(executor: Executor, query: SQL): Promise<T[]> {
  return rowsOf<T>(await executor.execute(query));
}

/**
 * Rows of a raw query run as a prepared statement. postgres.js keeps it per connection, keyed by its text, so
 * after a few executions PostgreSQL can reuse a generic plan instead of planning each call (for an indexed
 * lookup on `users`, planning costs several times the execution). Only for queries whose best plan does not
 * depend on the parameters' values, and whose texts are few (each distinct text is a statement per
 * connection). PGlite runs it like `rows()`. drizzle's `execute()` never prepares, hence its session here.
 */
export async function preparedRows<T extends Record<string, unknown>>(executor: Executor, query: SQL): Promise<T[]> {
  const { session, dialect } = executor as unknown as { session: PgSession; dialect: PgDialect };
  return rowsOf<T>(await session.prepareQuery(dialect.sqlToQuery(query), undefined, 'prepared', false).execute());
}

const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10);
  return openPglite(options);
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  let client = options.pglite;
  const owned = !client;
  if (!client) {
    const dataDir = options.dataDir ?? './.data';
    const pgDir = path.resolve(dataDir, 'pglite');
    await mkdir(pgDir, { recursive: true });
    client = await PGlite.create(pgDir, { extensions: { pg_trgm } });
  }
  const pglite = client;
  const db = drizzlePglite({ client: pglite, schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    // One PGlite is one connection in one process: nothing else can migrate concurrently.
    migrate: () => migratePglite(db as never, { migrationsFolder }),
    ping: async () => {
      try {
        await pglite.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      if (owned) await pglite.close();
    },
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const client = postgres(url, { max: poolSize, onnotice: () => {}, connection: { application_name: 'jitbridge' } });
  const db = drizzlePostgres({ client, schema }) as unknown as Db;
  return {
    kind: 'postgres',
    db,
    migrate: async () => {
      // A dedicated connection, so the advisory lock and the migration share one session.
      const single = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await single`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        await migratePostgres(drizzlePostgres({ client: single }), { migrationsFolder });
        await single`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    ping: async () => {
      try {
        await db.execute(sql`select 1`);
        return true;
      } catch {
        return false;
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}
