// A start that cannot succeed ends in one line, `jitbridge cannot start: …`, naming the setting (DATABASE_URL with
// its password masked) and what to do, with a non-zero exit status and no stack trace. The compiled server
// (dist/server.js, as npm start runs it) against real failures: a port nothing listens on, a host that does not
// resolve, and, on PostgreSQL, a database that does not exist and a role the server refuses.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, usingPostgres } from '../support/database.js';
import { freePort } from '../support/server.js';

const run = promisify(execFile);
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'jitbridge-start-failure-'));
  await run(process.execPath, ['scripts/ensure-build.js'], { timeout: 280_000 });
}, 300_000);
afterAll(() => rm(dataDir, { recursive: true, force: true }));

async function start(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const port = await freePort();
  return run(process.execPath, ['dist/server.js'], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env },
    timeout: 60_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

/** Exactly one line on stderr, the given one; nothing that looks like a stack trace anywhere. */
function expectOneLine(result: { code: number; stdout: string; stderr: string }, pattern: RegExp, code = 1) {
  expect(result.code).toBe(code);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^jitbridge cannot start: /);
  expect(lines[0]).toMatch(pattern);
  expect(`${result.stdout}${result.stderr}`).not.toMatch(/\n\s+at /);
}

const postgresUrl = () => new URL(process.env.DATABASE_URL!);

describe('start failures', () => {
  it('a port nothing listens on: names DATABASE_URL, masks the password, says to start PostgreSQL', { timeout: 90_000 }, async () => {
    const closed = await freePort();
    const result = await start({ DATABASE_URL: `postgres://jb:s3cretpass@127.0.0.1:${closed}/jb` });
    expectOneLine(
      result,
      new RegExp(
        `nothing accepts connections at 127\\.0\\.0\\.1:${closed} \\(DATABASE_URL=postgres://jb:\\*\\*\\*@127\\.0\\.0\\.1:${closed}/jb\\); start PostgreSQL`,
      ),
    );
    expect(result.stderr + result.stdout).not.toContain('s3cretpass');
  });

  it('a host that does not resolve', { timeout: 90_000 }, async () => {
    const result = await start({ DATABASE_URL: 'postgres://jb:s3cretpass@no-such-host.invalid:5432/jb' });
    expectOneLine(
      result,
      /the host in DATABASE_URL cannot be resolved \(DATABASE_URL=postgres:\/\/jb:\*\*\*@no-such-host\.invalid:5432\/jb\); fix the host name$/,
    );
    expect(result.stderr).not.toContain('s3cretpass');
  });

  it('invalid settings: one line naming each variable, exit status 2', { timeout: 90_000 }, async () => {
    const result = await start({ PORT: 'eighty', LOG_LEVEL: 'loud' });
    expectOneLine(
      result,
      /^jitbridge cannot start: PORT must be an integer 1-65535, got 'eighty'; LOG_LEVEL must be one of .*, got 'loud'$/,
      2,
    );
  });

  it('MANAGEMENT_PORT equal to PORT is refused', { timeout: 90_000 }, async () => {
    const result = await start({ PORT: '18080', MANAGEMENT_PORT: '18080' });
    expectOneLine(result, /MANAGEMENT_PORT must be an integer 1-65535, other than PORT, got 18080$/, 2);
  });

  // These two need a PostgreSQL server to refuse them: run with DATABASE_URL set (the suite's PostgreSQL pass).
  it.skipIf(!usingPostgres())('a database that does not exist: says to create it', { timeout: 90_000 }, async () => {
    const url = postgresUrl();
    url.pathname = '/jb_no_such_database';
    url.password = 'maskme-password';
    const result = await start({ DATABASE_URL: url.toString() });
    expectOneLine(
      result,
      /the database 'jb_no_such_database' does not exist \(DATABASE_URL=postgres:\/\/[^ ]*\/jb_no_such_database\); create it \(createdb jb_no_such_database\)/,
    );
    expect(result.stderr).not.toContain('maskme-password');
  });

  it.skipIf(!usingPostgres())('a role PostgreSQL refuses: says to check the credentials', { timeout: 90_000 }, async () => {
    const url = postgresUrl();
    url.username = 'jb_no_such_role';
    url.password = 'maskme-password';
    const result = await start({ DATABASE_URL: url.toString() });
    expectOneLine(
      result,
      /PostgreSQL refused the credentials \(DATABASE_URL=postgres:\/\/jb_no_such_role:\*\*\*@.*\): .*; check the user and password in DATABASE_URL$/,
    );
    expect(result.stderr).not.toContain('maskme-password');
  });

  it('a port already taken: names PORT', { timeout: 90_000 }, async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '0.0.0.0', resolve));
    // A database of its own: the suite's shared one holds keys sealed under other tests' SECRETS_KEY.
    const database = await createTestDatabase('start_port');
    try {
      const result = await run(process.execPath, ['dist/server.js'], {
        env: {
          PATH: process.env.PATH ?? '',
          PORT: String(port),
          DATA_DIR: dataDir,
          LOG_LEVEL: 'silent',
          ...(database.url ? { DATABASE_URL: database.url } : {}),
        },
        timeout: 120_000,
      }).then(
        () => ({ code: 0, stdout: '', stderr: '' }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expectOneLine(result, new RegExp(`port ${port} is already in use \\(PORT\\); stop the other process or choose another PORT$`));
    } finally {
      blocker.close();
      await database.drop();
    }
  });
});
