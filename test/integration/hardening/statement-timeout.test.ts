// statement_timeout (issue 20): request statements get DB_STATEMENT_TIMEOUT_MS, background statements their own
// DB_BACKGROUND_STATEMENT_TIMEOUT_MS, migrations none; a statement cancelled for running too long answers 503 with
// Retry-After (problem+json on the admin API, SCIM error JSON on SCIM), not a bare 500.
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler, type AppEnv } from '../../../src/http/index.js';
import { createLogger } from '../../../src/observability/index.js';
import { isStatementTimeout, openDatabase } from '../../../src/store/index.js';
import { createTestDatabase, usingPostgres, type TestDatabase } from '../../support/database.js';

/** What the drivers raise for a cancelled statement (SQLSTATE 57014), wrapped as drizzle wraps it. */
const cancelled = () =>
  Object.assign(new Error('Failed query: select pg_sleep(1)'), {
    cause: Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
  });

describe('a cancelled statement answers 503 with Retry-After', () => {
  const app = new Hono<AppEnv>();
  app.get('/api/v1/slow', () => {
    throw cancelled();
  });
  app.get('/scim/v2/Users', () => {
    throw cancelled();
  });
  app.onError(errorHandler(createLogger('silent')));

  it('as problem+json on the admin API and SCIM error JSON on SCIM', async () => {
    const admin = await app.request('/api/v1/slow');
    expect(admin.status).toBe(503);
    expect(Number(admin.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(admin.headers.get('content-type')).toContain('application/problem+json');
    expect(await admin.json()).toMatchObject({ code: 'statement_timeout' });
    const scim = await app.request('/scim/v2/Users');
    expect(scim.status).toBe(503);
    expect(await scim.json()).toMatchObject({ status: '503' });
  });
});

// The embedded PGlite runs PostgreSQL in WebAssembly without timer signals: statement_timeout is accepted there but
// never fires, and a running statement cannot be cancelled (documented in docs/security-limits.md). These run on
// PostgreSQL only, for that reason.
describe.skipIf(!usingPostgres())('statement_timeout on PostgreSQL', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase('statement_timeout');
  });
  afterAll(async () => testDb?.drop());

  it('cancels a request statement past DB_STATEMENT_TIMEOUT_MS, lets a background one run to its own limit, migrates without one', async () => {
    const database = await openDatabase({
      databaseUrl: testDb.url,
      poolSize: 2,
      statementTimeoutMs: 300,
      backgroundStatementTimeoutMs: 5_000,
    });
    try {
      // A fresh database: every migration runs, none under the 300 ms request limit.
      await database.migrate();
      const error = await database.db.execute(sql`select pg_sleep(1.5)`).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isStatementTimeout(error)).toBe(true);
      expect(String((error as { cause?: Error }).cause?.message ?? error)).toMatch(/statement timeout/);
      await database.ephemeralDb.execute(sql`select pg_sleep(1.5)`).then(
        () => expect.unreachable('the ephemeral pool has the request limit too'),
        (e: unknown) => expect(isStatementTimeout(e)).toBe(true),
      );
      await expect(database.backgroundDb.execute(sql`select pg_sleep(1)`)).resolves.toBeDefined();
      const [shown] = (await database.backgroundDb.execute(sql`show statement_timeout`)) as unknown as Array<{ statement_timeout: string }>;
      expect(shown!.statement_timeout).toBe('5s');
    } finally {
      await database.close();
    }
  });
});
