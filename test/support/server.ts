// Starts a real jitbridge on a free loopback port over a test database, with a known admin token.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AppConfig } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/runtime.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const TEST_ADMIN_TOKEN = 'jba_test_admin_token_0123456789abcdefghijklmnop';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

export const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A DEMO_PORT_BASE whose four ports (jitbridge, the upstream OP, the SAML IdP, the sample app) are free. */
export async function freeDemoPortBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 40000);
    if ((await Promise.all([0, 1, 2, 3].map((i) => portIsFree(base + i)))).every(Boolean)) return base;
  }
  throw new Error('no four free ports in a row');
}

export interface TestServer extends RunningServer {
  url: string;
  database: TestDatabase;
  /** fetch against this server with the admin token; `body` is sent as JSON. */
  admin(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Stops the server and drops its database (unless it was shared in). */
  stop(): Promise<void>;
}

export interface TestServerOptions {
  config?: Partial<AppConfig>;
  /** Reuse another server's database (two instances on one database). */
  database?: TestDatabase;
  label?: string;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownsDatabase = !options.database;
  const database = options.database ?? (await createTestDatabase(options.label));
  const dataDir = await mkdtemp(path.join(tmpdir(), 'jitbridge-test-'));
  const port = options.config?.port ?? (await freePort());
  const config: AppConfig = {
    port,
    host: '127.0.0.1',
    publicUrl: `http://127.0.0.1:${port}`,
    databaseUrl: database.url,
    databasePoolSize: 10,
    dataDir,
    adminToken: TEST_ADMIN_TOKEN,
    secretsKey: sharedSecretsKey,
    logLevel: 'silent',
    bodyLimitBytes: 1024 * 1024,
    backgroundWorkers: false,
    // Every test signs in from 127.0.0.1, many times a minute; the limit's own tests set one.
    federationStartLimit: 0,
    // Test peers (fake SCIM targets, metadata servers) listen on loopback: allowed explicitly, as an operator would.
    outboundAllowedNetworks: ['127.0.0.0/8', '::1/128'],
    ...options.config,
  };
  const running = await startServer({ config, pglite: database.pglite });
  const url = running.url!;
  return {
    ...running,
    url,
    database,
    admin: (method, p, body, headers = {}) =>
      fetch(`${url}${p}`, {
        method,
        headers: {
          authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
    stop: async () => {
      await running.close();
      if (ownsDatabase) await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** One key per test process, so that servers sharing a database can open each other's secrets. */
const sharedSecretsKey = randomBytes(32);
