// Opens the database: the embedded PGlite (files under DATA_DIR) when no DATABASE_URL is set, else a real
// PostgreSQL through postgres.js. Past this file both are one drizzle `PgDatabase`; nothing else branches.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { fillPlaceholders, sql, type SQL } from 'drizzle-orm';
import { PgDialect, type PgDatabase, type PgQueryResultHKT, type PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema/index.js';
import { statementSpansEnabled, tracedPglite, tracedPostgres } from './statement-spans.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything that runs queries: the database or a transaction. Repositories take this. */
export type Executor = Db | Tx;

export const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/** Arbitrary key shared by every instance, so that concurrent start-ups migrate one at a time. */
const MIGRATION_LOCK_KEY = 4_242_001;

/**
 * Takes the migration lock until the end of the caller's transaction: configuration applied at start (and any
 * other apply) runs under it, so instances starting together apply a file one after the other, each seeing what
 * the one before committed.
 */
export async function holdMigrationLock(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /**
   * The same database for short-lived, re-creatable login state only (oidc-provider's models, federation flows,
   * login results): on PostgreSQL its commits do not wait for the WAL flush (`synchronous_commit = off`).
   * See openPostgres.
   */
  readonly ephemeralDb: Db;
  /**
   * The same database for background jobs and sweeps: on PostgreSQL its own pool, whose statements get the
   * background statement_timeout instead of the request one.
   */
  readonly backgroundDb: Db;
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
  /**
   * statement_timeout (ms, 0: none) of request statements and of background statements; migrations run without
   * one. PostgreSQL only: the embedded PGlite runs in WebAssembly without timer signals and cannot cancel a
   * running statement (docs/security-limits.md).
   */
  statementTimeoutMs?: number;
  backgroundStatementTimeoutMs?: number;
}

/** The fast-commit handle of each database handle that has one (PostgreSQL's request pool: openPostgres). */
const fastCommitHandles = new WeakMap<Executor, Db>();

/**
 * The handle a login-state repository writes on (oidc payloads, federation flows, login results): on PostgreSQL
 * the same database with `synchronous_commit = off` (openPostgres says why that is safe for these rows only). A
 * transaction, PGlite and the background pool have no such sibling: their writes stay where they are. Only those
 * repositories call this, so durability is a property of the table, never a choice of the caller.
 */
export function fastCommit(executor: Executor): Executor {
  return fastCommitHandles.get(executor) ?? executor;
}

/** Rows of a query through drizzle's `execute` (the transaction path of `queryRows`; tests read rows with it too). */
export async function rows<T extends Record<string, unknown>>(executor: Executor, query: SQL): Promise<T[]> {
  return rowsOf<T>(await executor.execute(query));
}

type Runner = (text: string, params: unknown[], prepare: boolean) => Promise<Record<string, unknown>[]>;
/** The driver's own query function behind each opened database (not behind its transactions). */
const runners = new WeakMap<object, Runner>();
const dialect = new PgDialect();

/** A statement already compiled to text with `$n` placeholders and its parameters (drizzle's `Query` shape). */
export interface CompiledQuery {
  sql: string;
  params: unknown[];
}

export interface QueryOptions {
  /**
   * On PostgreSQL, a prepared statement: parsed and planned once per connection, one round trip per call. For
   * statements whose text is constant (the values are parameters) and that run on every login or SCIM request.
   * drizzle's `execute` never prepares, and postgres.js sends an unprepared statement with parameters as two
   * round trips (describe, then bind).
   */
  prepare?: boolean;
}

/**
 * A statement whose text never changes, compiled once: write it with drizzle's `sql` and `sql.placeholder(name)`
 * for its values, then fill them per call. For statements that run on every login, where building and compiling
 * drizzle's SQL objects again on each call showed in the benchmark.
 */
export function compiledOnce(query: SQL): (values: Record<string, unknown>) => CompiledQuery {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return (values) => ({ sql: text, params: fillPlaceholders(params, values) });
}

/**
 * The one runner for SQL written beside drizzle's builder: drizzle's `sql` template (or a statement compiled to
 * the same text, see scim-sql-text.ts). On the database itself it goes to the driver directly (prepared if asked);
 * inside a transaction it goes through drizzle, unprepared. Rows are shaped as drizzle's raw queries shape them
 * (timestamps as the driver's strings: `asDate`). In the template, keep explicit casts (`${v}::text`); write
 * `null`, never `undefined` (drizzle leaves an undefined value out of the text); pass an array as
 * `sql.param(array)` (a bare array becomes a list of parameters).
 */
export async function queryRows<T extends Record<string, unknown>>(
  executor: Executor,
  query: SQL | CompiledQuery,
  options: QueryOptions = {},
): Promise<T[]> {
  const run = runners.get(executor);
  if (!run) return rows<T>(executor, isCompiled(query) ? toSql(query) : query);
  const { sql: text, params } = isCompiled(query) ? query : dialect.sqlToQuery(query);
  return (await run(text, params, options.prepare ?? false)) as T[];
}

const isCompiled = (query: SQL | CompiledQuery): query is CompiledQuery => typeof (query as CompiledQuery).sql === 'string';

/** Compiled text back into drizzle's SQL, for a transaction (each `$n` becomes its parameter). */
function toSql({ sql: text, params }: CompiledQuery): SQL {
  const chunks: SQL[] = [];
  let last = 0;
  for (const match of text.matchAll(/\$(\d+)/g)) {
    chunks.push(sql.raw(text.slice(last, match.index)), sql`${sql.param(params[Number(match[1]) - 1])}`);
    last = match.index + match[0].length;
  }
  chunks.push(sql.raw(text.slice(last)));
  return sql.join(chunks);
}

/** A timestamp of a raw row as a Date: drivers hand raw timestamps over as strings or as Dates. */
export const asDate = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));

const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl)
    return openPostgres(options.databaseUrl, options.poolSize ?? 10, {
      request: options.statementTimeoutMs ?? 0,
      background: options.backgroundStatementTimeoutMs ?? 0,
    });
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
  const pglite = statementSpansEnabled() ? tracedPglite(client) : client;
  const db = drizzlePglite({ client: pglite, schema }) as unknown as Db;
  // The parsers drizzle's PGlite driver uses for raw queries: date/time values stay strings, as on postgres.js.
  const parsers = Object.fromEntries(
    [1082, 1114, 1184, 1186, 1182, 1185, 1187, 1115, 1231].map((type) => [type, (value: string) => value]),
  );
  runners.set(db, async (text, params) => (await pglite.query<Record<string, unknown>>(text, params, { parsers })).rows);
  return {
    kind: 'pglite',
    db,
    // One in-process connection; it has no WAL flush worth skipping.
    ephemeralDb: db,
    backgroundDb: db,
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

/** A connection parameter for postgres.js: statement_timeout in ms, nothing when 0 (the server's default). */
const timeoutOf = (ms: number): Record<string, number> => (ms > 0 ? { statement_timeout: ms } : {});

async function openPostgres(url: string, poolSize: number, timeouts: { request: number; background: number }): Promise<Database> {
  // With tracing on, each client is wrapped so that its statements are spans (statement-spans.ts).
  const traced = <T extends object>(opened: T): T => (statementSpansEnabled() ? tracedPostgres(opened) : opened);
  const client = traced(
    postgres(url, {
      max: poolSize,
      onnotice: () => {},
      connection: { application_name: 'jitbridge', ...timeoutOf(timeouts.request) },
    }),
  );
  const db = drizzlePostgres({ client, schema }) as unknown as Db;
  // A commit that waits for the WAL flush (fsync) costs ~0.8 ms here against ~0.1 ms without, and a login
  // writes login state a dozen times. Those rows (interactions, sessions, codes, tokens, federation flows,
  // login results) are re-creatable: a PostgreSQL crash that loses the last few hundred milliseconds of them
  // only makes a person sign in again. Never an inconsistency either: an asynchronous commit is visible at
  // once, and any later synchronous commit (a user, a link, an audit or outbox event, all on `db`) flushes
  // the WAL before it, so nothing durable can depend on a lost row. What must not come back after a crash
  // (a consumed code, a revoked grant) stays on `db`: the login-state repositories choose (fastCommit).
  const ephemeralClient = traced(
    postgres(url, {
      max: Math.max(2, Math.ceil(poolSize / 2)),
      onnotice: () => {},
      connection: { application_name: 'jitbridge', synchronous_commit: 'off', ...timeoutOf(timeouts.request) },
    }),
  );
  const ephemeralDb = drizzlePostgres({ client: ephemeralClient, schema }) as unknown as Db;
  // Connections are opened when first used: an instance without background workers never opens one here.
  const backgroundClient = traced(
    postgres(url, {
      max: Math.max(2, Math.ceil(poolSize / 2)),
      onnotice: () => {},
      connection: { application_name: 'jitbridge-background', ...timeoutOf(timeouts.background) },
    }),
  );
  const backgroundDb = drizzlePostgres({ client: backgroundClient, schema }) as unknown as Db;
  // drizzle's driver set the client's json/jsonb serializers and date parsers to pass-through: the same here.
  runners.set(db, (text, params, prepare) => client.unsafe(text, params as never[], { prepare }));
  runners.set(ephemeralDb, (text, params, prepare) => ephemeralClient.unsafe(text, params as never[], { prepare }));
  runners.set(backgroundDb, (text, params, prepare) => backgroundClient.unsafe(text, params as never[], { prepare }));
  fastCommitHandles.set(db, ephemeralDb);
  return {
    kind: 'postgres',
    db,
    ephemeralDb,
    backgroundDb,
    migrate: async () => {
      // A dedicated connection, so the advisory lock and the migration share one session.
      // No statement_timeout: a migration may rewrite a large table (0 also overrides a server or role default).
      const single = postgres(url, { max: 1, onnotice: () => {}, connection: { statement_timeout: 0 } });
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
    close: async () => {
      await Promise.all([client.end({ timeout: 5 }), ephemeralClient.end({ timeout: 5 }), backgroundClient.end({ timeout: 5 })]);
    },
  };
}
