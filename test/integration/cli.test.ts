// The `jitbridge` command line on a real database (an embedded one in a temporary DATA_DIR, or a PostgreSQL
// database with DATABASE_URL): exit codes 0 / 1 / 2, what goes to stdout and stderr, tokens printed once.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const run = promisify(execFile);

let dir: string;
let database: TestDatabase | undefined;
let target: string[];
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'jitbridge-cli-'));
  if (process.env.DATABASE_URL) {
    database = await createTestDatabase('cli');
    target = ['--database-url', database.url!];
  } else target = ['--data-dir', path.join(dir, 'data')];
});
afterAll(async () => {
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...target, ...argv], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const TOKEN = 'Cq9Wx3Lz7Vn1Bm5Hj2Fd8Gs4Kp6Ty0Ue3Ra';
// Each command opens (and on the embedded database, starts) the database anew, as a real run does.
const SLOW = { timeout: 300_000 };

describe('jitbridge', () => {
  it('plan exits 2 with changes, apply 0, plan again 0; an invalid file 1 with its line', SLOW, async () => {
    const file = path.join(dir, 'jitbridge.yaml');
    await writeFile(file, `userStores:\n  - domain: CLI\nscimClients:\n  - name: CLI client\n    token: \${env:CLI_TOKEN}\n`);
    process.env.CLI_TOKEN = TOKEN;
    try {
      const plan = await cli('plan', '-f', file);
      expect(plan.code).toBe(2);
      expect(plan.stdout).toContain('+ create user store "CLI"');
      expect(plan.stdout).toContain('2 to create, 0 to change, 0 to delete.');
      expect(plan.stdout + plan.stderr).not.toContain(TOKEN);

      const json = await cli('plan', '-f', file, '--json');
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toMatchObject({ summary: { create: 2 } });

      const apply = await cli('apply', '-f', file);
      expect(apply.code).toBe(0);
      expect(apply.stdout).toContain('Applied.');
      const again = await cli('plan', '-f', file);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('No changes');
    } finally {
      delete process.env.CLI_TOKEN;
    }

    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'userStores:\n  - domain: CLI\n    colour: blue\n');
    const refused = await cli('apply', '-f', bad);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('bad.yaml:3:13 userStores[0].colour: unknown field');
    expect((await cli('plan', '-f', path.join(dir, 'absent.yaml'))).code).toBe(1);
  });

  it('export prints the file and, on stderr, the secrets to set', SLOW, async () => {
    const exported = await cli('export');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('- domain: CLI');
    expect(exported.stdout).toContain('token: ${env:JITBRIDGE_SCIM_CLIENT_CLI_CLIENT_TOKEN}');
    expect(exported.stderr).toContain('JITBRIDGE_SCIM_CLIENT_CLI_CLIENT_TOKEN  (scimClients[0].token)');
    expect(exported.stdout).not.toContain(TOKEN);
  });

  it('scim-client create prints its token once; admin-token rotate prints a new token', SLOW, async () => {
    const created = await cli('scim-client', 'create', '--name', 'From the CLI', '--scope', 'scim:read', '--user-store', 'CLI');
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^jbs_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain("SCIM client 'From the CLI'");
    // The printed token is the stored one: a plan that names it changes nothing.
    const file = path.join(dir, 'created.yaml');
    await writeFile(
      file,
      `scimClients:\n  - name: From the CLI\n    scopes: [scim:read]\n    userStores: [CLI]\n    token: \${file:./token}\n`,
    );
    await writeFile(path.join(dir, 'token'), `${token}\n`);
    expect((await cli('plan', '-f', file)).code).toBe(0);

    expect((await cli('scim-client', 'create', '--name', 'Bad', '--user-store', 'NOWHERE')).code).toBe(1);
    expect((await cli('scim-client', 'create', '--name', 'Bad', '--scope', 'scim:admin')).code).toBe(1);

    const rotated = await cli('admin-token', 'rotate');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout.trim()).toMatch(/^jba_[A-Za-z0-9_-]{43}$/);
    process.env.ADMIN_TOKEN = 'an-admin-token-from-the-environment-0123456789';
    try {
      const refused = await cli('admin-token', 'rotate');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('ADMIN_TOKEN is set');
    } finally {
      delete process.env.ADMIN_TOKEN;
    }
  });

  it('--help on every command; usage errors exit 1', SLOW, async () => {
    for (const command of [
      [],
      ['serve'],
      ['migrate'],
      ['plan'],
      ['apply'],
      ['export'],
      ['schema'],
      ['admin-token', 'rotate'],
      ['scim-client', 'create'],
      ['demo'],
    ]) {
      const help = await cli(...command, '--help');
      expect(help.code, command.join(' ')).toBe(0);
      expect(help.stdout, command.join(' ')).toContain('Usage: jitbridge');
    }
    expect((await cli('frobnicate')).code).toBe(1);
    expect((await cli('plan')).code).toBe(1); // -f is required
    expect((await cli('migrate')).code).toBe(0);
    // --database-url wins over the environment and the --data-dir before it (the last option given counts).
    const unreachable = await cli('--database-url', 'postgres://postgres@127.0.0.1:1/nowhere', 'migrate');
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^cannot open the database: /);
    const schema = await cli('schema');
    expect(JSON.parse(schema.stdout)).toMatchObject({ title: 'jitbridge configuration' });
  });

  it('runs as bin/jitbridge.js, with the exit code of the command', SLOW, async () => {
    const file = path.join(dir, 'bin.yaml');
    await writeFile(file, 'userStores:\n  - domain: FROM_BIN\n');
    const env = { ...process.env, LOG_LEVEL: 'warn' };
    const result = await run(process.execPath, ['bin/jitbridge.js', ...target, 'plan', '-f', file], { env, timeout: 120_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('+ create user store "FROM_BIN"');
  });
});
