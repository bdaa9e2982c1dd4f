// CONFIG_FILE at start: two instances starting together on one database (one shared PGlite, or one PostgreSQL)
// apply the file once; an invalid file stops the start with the plan's error, one readable message.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigFileError } from '../../src/config-as-code/index.js';
import { openDatabase } from '../../src/store/database.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort, startTestServer, type TestServer } from '../support/server.js';

const run = promisify(execFile);

let dir: string;
let database: TestDatabase;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'jitbridge-config-start-'));
  database = await createTestDatabase('config_start');
  // Migrated beforehand: the race under test is the configuration's, not the migrations'.
  const opened = await openDatabase({ databaseUrl: database.url, pglite: database.pglite });
  await opened.migrate();
  await opened.close();
});
afterAll(async () => {
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

const FILE = `
settings:
  jit:
    idpDeleteThreshold: 7
userStores:
  - domain: CONTRACTORS
    description: Started together
consentPurposes:
  - purpose: Started together
    piiCategories: [{ claim: displayName }]
`;

describe('CONFIG_FILE', () => {
  it('two instances starting together apply it once', async () => {
    const file = path.join(dir, 'together.yaml');
    await writeFile(file, FILE);
    const servers: TestServer[] = [];
    try {
      const started = await Promise.allSettled([
        startTestServer({ database, config: { configFile: file } }),
        startTestServer({ database, config: { configFile: file } }),
      ]);
      for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
      expect(started.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      const [a, b] = servers as [TestServer, TestServer];
      const audit = (await (await a.admin('GET', '/api/v1/audit-events?limit=100')).json()) as {
        items: Array<{ action: string; actorId: string }>;
      };
      expect(audit.items.filter((e) => e.action === 'config.apply')).toHaveLength(1);
      expect(audit.items.filter((e) => e.action === 'user_store.create')).toHaveLength(1);
      expect(audit.items.filter((e) => e.action === 'consent_purpose.create')).toHaveLength(1);
      const purposes = (await (await b.admin('GET', '/api/v1/consent-purposes')).json()) as { items: unknown[] };
      expect(purposes.items).toHaveLength(1);
      expect(await (await b.admin('GET', '/api/v1/settings')).json()).toMatchObject({ jit: { idpDeleteThreshold: 7 } });
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });

  it('an invalid file stops the start with the plan’s error', async () => {
    const file = path.join(dir, 'broken.yaml');
    await writeFile(file, 'userStores:\n  - domain: BROKEN\n    usernameRegex: "(("\n');
    const error = await startTestServer({ database, config: { configFile: file } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as Error).message).toMatch(
      /^broken\.yaml: 1 problem, nothing was changed\n {2}broken\.yaml:3:20 userStores\[0\]\.usernameRegex: /,
    );
  });

  // A whole process start through tsx: slow on a busy machine.
  it('`jitbridge serve` with an invalid file exits 1 with one readable message', { timeout: 300_000 }, async () => {
    const file = path.join(dir, 'missing-reference.yaml');
    await writeFile(
      file,
      'applications:\n  - name: A\n    tokenEndpointAuthMethod: none\n    redirectUris: [https://a.example.com/cb]\n    identityProviders: [Nobody]\n',
    );
    // A database of its own: the servers above sealed theirs with this process's test key.
    const own = await createTestDatabase('config_serve');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CONFIG_FILE: file,
      PORT: String(await freePort()),
      LOG_LEVEL: 'silent',
      BACKGROUND_WORKERS: 'off',
      DATA_DIR: path.join(dir, 'serve-data'),
      ...(own.url ? { DATABASE_URL: own.url } : {}),
    };
    if (!own.url) delete env.DATABASE_URL;
    const result = await run(process.execPath, ['bin/jitbridge.js', 'serve'], { env, timeout: 280_000 })
      .then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      )
      .finally(() => own.drop());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('jitbridge cannot start: missing-reference.yaml: 1 problem, nothing was changed');
    expect(result.stderr).toContain(
      "missing-reference.yaml:5:25 applications[0].identityProviders[0]: identity provider 'Nobody' is neither in the file nor in the database",
    );
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
