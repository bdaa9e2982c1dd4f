// DATABASE_POOL_SIZE bounds the connections a server opens to PostgreSQL (PGlite is one in-process
// connection, so there is nothing to bound there).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastCommit, openDatabase, queryRows, type Db } from '../../src/store/database.js';
import { usingPostgres } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** The backends that ran `n` overlapping statements on one pool. */
async function backendsUsed(executor: Db, n = 8): Promise<Set<number>> {
  const results = await Promise.all(
    Array.from({ length: n }, () =>
      queryRows<{ pid: number }>(executor, sql`select pg_backend_pid() as pid, pg_sleep(0.05)::text as slept`),
    ),
  );
  return new Set(results.flat().map((row) => row.pid));
}

describe.skipIf(!usingPostgres())('database pool size', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ label: 'database_pool', config: { databasePoolSize: 2 } });
  });
  afterAll(async () => server?.stop());

  it('runs a server on at most DATABASE_POOL_SIZE connections, and login state on half as many more (at least 2)', async () => {
    const main = await backendsUsed(server.ctx.store.db);
    const ephemeral = await backendsUsed(fastCommit(server.ctx.store.db) as Db);
    expect(main.size).toBeGreaterThanOrEqual(1);
    expect(main.size).toBeLessThanOrEqual(2);
    expect(ephemeral.size).toBeLessThanOrEqual(2);
    expect([...ephemeral].some((pid) => main.has(pid))).toBe(false);
  });

  it('opens more connections when the pool allows them (the probe above can tell)', async () => {
    const wide = await openDatabase({ databaseUrl: server.database.url, poolSize: 8 });
    try {
      expect((await backendsUsed(wide.db)).size).toBeGreaterThan(2);
    } finally {
      await wide.close();
    }
  });
});
