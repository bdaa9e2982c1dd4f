// `jitbridge admin create`: the first admin as a person, on a real database (embedded in a temporary DATA_DIR, or
// PostgreSQL with DATABASE_URL): the password is asked for (or piped), never defaulted, and the user lands in the
// admin role's group.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { withInstance } from '../../src/cli/instance.js';
import { DEFAULT_ROLE_GROUPS, roleOfGroups } from '../../src/domain/index.js';
import { findAdminMember, verifyPassword, getUserById } from '../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let dir: string;
let database: TestDatabase | undefined;
let target: string[];
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'jitbridge-cli-admin-'));
  if (process.env.DATABASE_URL) {
    database = await createTestDatabase('cli_admin');
    target = ['--database-url', database.url!];
  } else target = ['--data-dir', path.join(dir, 'data')];
});
afterAll(async () => {
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

const SLOW = { timeout: 300_000 };
const globals = () => (database ? { databaseUrl: database.url! } : { dataDir: path.join(dir, 'data') });

async function cli(password: string, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const asked: string[] = [];
  const code = await runCli([...target, ...argv], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    readSecret: async (prompt) => {
      asked.push(prompt);
      return password;
    },
  });
  return { code, stdout, stderr, asked };
}

describe('jitbridge admin create', () => {
  it('creates a LOCAL user with the password it asks for, in the admin group', SLOW, async () => {
    const made = await cli('first-admin-password-1', 'admin', 'create', '--user-name', 'root-admin', '--email', 'root@example.com');
    expect(made.code, made.stderr).toBe(0);
    expect(made.asked).toEqual(['Password for root-admin: ']);
    const userId = made.stdout.trim();
    await withInstance(globals(), async ({ ctx }) => {
      const member = await findAdminMember(ctx.store.db, userId);
      expect(member).toMatchObject({ userName: 'root-admin', usable: true });
      expect(roleOfGroups(member!.groups, DEFAULT_ROLE_GROUPS)).toBe('admin');
      const row = await getUserById(ctx.store.db, userId);
      expect(await verifyPassword('first-admin-password-1', row.passwordHash!)).toBe(true);
      expect(row.resource).toMatchObject({ emails: [{ value: 'root@example.com' }] });
    });
  });

  it('refuses an empty or weak password and a taken name, creating nothing', SLOW, async () => {
    const empty = await cli('', 'admin', 'create', '--user-name', 'second');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('no password given');
    const weak = await cli('short', 'admin', 'create', '--user-name', 'second');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('cannot create the admin');
    const taken = await cli('another-good-password-2', 'admin', 'create', '--user-name', 'root-admin');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain("A user named 'root-admin' already exists");
  });

  it('reads the password from the first line of stdin when run as bin/jitbridge.js', SLOW, async () => {
    const child = spawn(process.execPath, ['bin/jitbridge.js', ...target, 'admin', 'create', '--user-name', 'piped-admin'], {
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end('stdin-secret-password-3\nignored second line\n');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    await withInstance(globals(), async ({ ctx }) => {
      const row = await getUserById(ctx.store.db, stdout.trim());
      expect(await verifyPassword('stdin-secret-password-3', row.passwordHash!)).toBe(true);
    });
  });
});
