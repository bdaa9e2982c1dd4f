// Configuration as code against a real server and database (PGlite, or PostgreSQL with DATABASE_URL): the documented
// example applied as it is, plan output, idempotent apply, secrets by reference, prune with the IdP-deletion
// preview, a file that breaks half-way, bad input located in the file, and export → apply → export byte for byte.
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineFor } from '../../src/config-file.js';
import {
  applyConfiguration,
  ConfigFileError,
  exportConfiguration,
  fileReader,
  planConfiguration,
  renderPlan,
  type ConfigSource,
} from '../../src/config-as-code/index.js';
import { SCIM_USER_SCHEMA } from '../../src/domain/scim-user.js';
import { federatedIdentities } from '../../src/store/schema/index.js';
import { getUserStoreByDomain } from '../../src/store/user-stores-repo.js';
import { insertUser } from '../../src/store/users-repo.js';
import { startTestServer, type TestServer } from '../support/server.js';

const TOKENS = {
  hr: 'Hq7Vx2Lp9Rt4Kz8Nw1Yc6Bm3Fs5Dj0Ga7Ue2Io9',
  hr2: 'Pb4Nq8Wz1Xc5Vm9Lk2Jh6Gf3Ds7Ak0Qe4Rt8Yu1',
  directory: 'directory-bearer-token-for-the-tests',
  app: 'Tm3Kp8Zr2Wq6Xn1Bv5Lc9Hd4Fj7Gs0Ya3Ue6Io2',
  entra: 'entra-client-secret',
};

let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startTestServer({ label: 'config_as_code' });
  dir = await mkdtemp(path.join(tmpdir(), 'jitbridge-cac-'));
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const engine = () => engineFor(server.ctx);
// Client secrets are hashed with scrypt (128 MiB) per write: slow on a busy machine.
const SLOW = { timeout: 300_000 };
const source = (text: string, env: Record<string, string> = {}, name = 'jitbridge.yaml'): ConfigSource => ({
  text,
  name,
  env,
  readFile: fileReader(path.join(dir, name), (file) => readFile(file, 'utf8')),
});
const json = async <T>(response: Response) => (await response.json()) as T;
const auditCount = async () => (await json<{ items: unknown[] }>(await server.admin('GET', '/api/v1/audit-events?limit=500'))).items.length;
const failure = async (work: Promise<unknown>): Promise<ConfigFileError> => {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigFileError);
  return error as ConfigFileError;
};

/** The documented example file, exactly as docs/configuration-as-code.md shows it. */
async function documentedExample(): Promise<string> {
  const doc = await readFile(new URL('../../docs/configuration-as-code.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('### A complete example'));
  const match = /```yaml\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('docs/configuration-as-code.md: no yaml block under A complete example');
  return match[1]!;
}

describe('the documented example', () => {
  it('plans every resource, applies in one go, and a second apply plans nothing', SLOW, async () => {
    const text = await documentedExample();
    await mkdir(path.join(dir, 'secrets'), { recursive: true });
    await writeFile(path.join(dir, 'secrets', 'timesheets-client-secret'), `${TOKENS.app}\n`);
    const env = { ENTRA_CLIENT_SECRET: TOKENS.entra, HR_SCIM_TOKEN: TOKENS.hr, DIRECTORY_SCIM_TOKEN: TOKENS.directory };

    const plan = await planConfiguration(engine(), source(text, env));
    expect(plan.summary).toEqual({ create: 7, update: 2, delete: 0 });
    const text1 = renderPlan(plan);
    expect(text1).toContain('+ create identity provider "Entra ID"  (identityProviders[0])');
    expect(text1).toContain('oidc.clientSecret: (secret set)');
    expect(text1).toContain('~ change settings\n    jit.associatingToExistingUser: false → true');
    expect(text1).toContain('jit.idpDeleteThreshold: 100 → 25');
    expect(text1).toContain('~ change user store "PRIMARY"');
    expect(text1).not.toContain(TOKENS.entra);
    expect(text1).not.toContain(TOKENS.app);

    const applied = await applyConfiguration(engine(), source(text, env));
    expect(applied.applied).toBe(true);

    // What the API now holds is what the file says, names turned into ids.
    const idps = await json<{ items: Array<{ id: string; name: string; provisioning: { jit: { scheme: string } } }> }>(
      await server.admin('GET', '/api/v1/identity-providers'),
    );
    const entra = idps.items.find((i) => i.name === 'Entra ID')!;
    expect(entra.provisioning.jit.scheme).toBe('PROMPT_CONSENT');
    const apps = await json<{ items: Array<{ clientId: string; identityProviders: string[]; signInFlow: unknown }> }>(
      await server.admin('GET', '/api/v1/applications'),
    );
    // Beside the console's own client, made at every start (src/oidc/console-client.ts).
    expect(apps.items.filter((app) => app.clientId !== 'jitbridge-console')).toEqual([
      expect.objectContaining({
        protocol: 'saml',
        name: 'Expenses',
        identityProviders: [entra.id],
        saml: expect.objectContaining({ entityId: 'https://expenses.example.com/saml/metadata' }),
      }),
      expect.objectContaining({
        clientId: 'timesheets',
        identityProviders: [entra.id],
        signInFlow: { steps: [{ options: [{ idp: entra.id }] }, { options: [{ authenticator: 'TOTP' }] }] },
      }),
    ]);
    // The supplied SCIM token works, scoped to its store.
    const scim = await fetch(`${server.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${TOKENS.hr}` } });
    expect(scim.status).toBe(200);
    // Every change is audited with the file's name and digest as actor.
    const audit = await json<{ items: Array<{ action: string; actorId: string }> }>(
      await server.admin('GET', '/api/v1/audit-events?limit=50'),
    );
    const actor = `config:jitbridge.yaml@sha256:${plan.file.sha256}`;
    expect(audit.items.filter((e) => e.actorId === actor).map((e) => e.action)).toEqual(
      expect.arrayContaining(['config.apply', 'identity_provider.create', 'application.create', 'scim_client.create', 'settings.update']),
    );

    const before = await auditCount();
    const again = await applyConfiguration(engine(), source(text, env));
    expect(again.applied).toBe(false);
    expect(again.changes).toEqual([]);
    expect(renderPlan(again)).toContain('No changes');
    expect(await auditCount()).toBe(before);
  });

  it('shows a change field by field, and a rotated secret only as changed', SLOW, async () => {
    const text = (await documentedExample())
      .replace('idpDeleteThreshold: 25', 'idpDeleteThreshold: 30')
      .replace('scheme: PROMPT_CONSENT', 'scheme: PROVISION_SILENTLY');
    const env = { ENTRA_CLIENT_SECRET: TOKENS.entra, HR_SCIM_TOKEN: TOKENS.hr2, DIRECTORY_SCIM_TOKEN: TOKENS.directory };
    const plan = await planConfiguration(engine(), source(text, env));
    const rendered = renderPlan(plan);
    expect(rendered).toContain('jit.idpDeleteThreshold: 25 → 30');
    expect(rendered).toContain('~ change identity provider "Entra ID"');
    expect(rendered).toContain('provisioning.jit.scheme: "PROMPT_CONSENT" → "PROVISION_SILENTLY"');
    expect(rendered).toContain('~ change SCIM client "HR system"');
    expect(rendered).toContain('token: (secret changed)');
    expect(rendered).not.toContain(TOKENS.hr2);
    expect(plan.summary).toEqual({ create: 0, update: 3, delete: 0 });

    await applyConfiguration(engine(), source(text, env));
    expect((await fetch(`${server.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${TOKENS.hr2}` } })).status).toBe(200);
    // The old token stopped working at once on this instance (its cache was dropped after the commit).
    expect((await fetch(`${server.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${TOKENS.hr}` } })).status).toBe(401);
    expect((await planConfiguration(engine(), source(text, env))).changes).toEqual([]);
  });
});

describe('secrets by reference', () => {
  const file = (secret: string) => `
identityProviders:
  - name: Secret test
    protocol: oidc
    oidc:
      issuer: https://idp.example.org
      clientId: jb
      clientSecret: ${secret}
`;

  it('refuses a literal secret, with its path and line, and writes nothing', async () => {
    const before = await auditCount();
    const error = await failure(planConfiguration(engine(), source(file('hunter2-literal'))));
    expect(error.problems).toEqual([
      expect.objectContaining({
        path: 'identityProviders[0].oidc.clientSecret',
        line: 8,
        message: expect.stringContaining('literal secret'),
      }),
    ]);
    expect(error.message).not.toContain('hunter2');
    expect(await auditCount()).toBe(before);
  });

  it('resolves ${env:…} and ${file:…}, and names a missing one', async () => {
    await writeFile(path.join(dir, 'idp-secret'), 'from-a-file\n');
    const byFile = await planConfiguration(engine(), source(file(`\${file:${path.join(dir, 'idp-secret')}}`)));
    expect(byFile.changes[0]!.fields).toContainEqual({ path: 'oidc.clientSecret', secret: 'set' });
    const missing = await failure(planConfiguration(engine(), source(file('${env:NOT_SET_ANYWHERE}'))));
    expect(missing.problems[0]).toMatchObject({
      path: 'identityProviders[0].oidc.clientSecret',
      message: expect.stringContaining('NOT_SET_ANYWHERE is not set'),
    });
    const noFile = await failure(planConfiguration(engine(), source(file('${file:/nonexistent/secret}'))));
    expect(noFile.problems[0]!.message).toContain('cannot be read (ENOENT)');
    // A reference outside a secret field is not resolved, and not stored as text either.
    const misplaced = await failure(
      planConfiguration(engine(), source(file('${env:X}').replace('clientId: jb', 'clientId: ${env:X}'), { X: 'x' })),
    );
    expect(misplaced.problems[0]).toMatchObject({ path: 'identityProviders[0].oidc.clientId' });
  });

  it('applies the IdP secret as given: the stored secret is the file one', async () => {
    await applyConfiguration(engine(), source(file('${env:S}'), { S: 'first-secret' }));
    const second = await planConfiguration(engine(), source(file('${env:S}'), { S: 'first-secret' }));
    expect(second.changes).toEqual([]);
    const rotated = await planConfiguration(engine(), source(file('${env:S}'), { S: 'second-secret' }));
    expect(rotated.changes[0]!.fields).toEqual([{ path: 'oidc.clientSecret', secret: 'changed' }]);
  });
});

describe('bad input, located in the file; nothing written', () => {
  const cases: Array<[string, string, Partial<{ path: string; line: number; message: unknown }>]> = [
    [
      'unknown field',
      'userStores:\n  - domain: BAD1\n    colour: blue\n',
      { path: 'userStores[0].colour', line: 3, message: 'unknown field' },
    ],
    ['wrong type', 'userStores:\n  - domain: BAD2\n    description: [not, a, string]\n', { path: 'userStores[0].description', line: 3 }],
    [
      'regex that does not compile',
      "userStores:\n  - domain: BAD3\n    usernameRegex: '(unclosed'\n",
      { path: 'userStores[0].usernameRegex', line: 3 },
    ],
    [
      'reference to nothing',
      'applications:\n  - name: Orphan\n    tokenEndpointAuthMethod: none\n    redirectUris: [https://o.example.com/cb]\n    identityProviders: [Nobody]\n',
      {
        path: 'applications[0].identityProviders[0]',
        line: 5,
        message: expect.stringContaining('neither in the file nor in the database'),
      },
    ],
    [
      'user store that does not exist',
      'identityProviders:\n  - name: Bad store\n    protocol: oidc\n    oidc: { issuer: https://i.example.com, clientId: c }\n    provisioning:\n      jit: { userstore: NOWHERE }\n',
      { path: 'identityProviders[0].provisioning.jit.userstore', line: 6 },
    ],
    ['duplicate key', 'userStores:\n  - domain: DUP\n    domain: DUP2\n', { line: 3, message: expect.stringContaining('duplicate key') }],
    ['duplicate resource', 'userStores:\n  - domain: Twice\n  - domain: TWICE\n', { path: 'userStores[1].domain', line: 3 }],
    ['unknown section', 'gadgets: []\n', { path: 'gadgets', line: 1 }],
  ];
  for (const [what, text, expected] of cases) {
    it(what, async () => {
      const before = await auditCount();
      const error = await failure(applyConfiguration(engine(), source(text)));
      expect(error.problems).toContainEqual(expect.objectContaining(expected));
      expect(await auditCount()).toBe(before);
    });
  }

  it('a file that breaks half-way changes nothing (one transaction)', async () => {
    const stores = async () =>
      (await json<{ items: Array<{ domain: string }> }>(await server.admin('GET', '/api/v1/user-stores'))).items.map((s) => s.domain);
    const before = { stores: await stores(), audit: await auditCount() };
    const text = `
userStores:
  - domain: HALFWAY
identityProviders:
  - name: Halfway IdP
    protocol: oidc
    oidc: { issuer: https://h.example.com, clientId: h }
    provisioning: { jit: { userstore: HALFWAY } }
applications:
  - name: Halfway app
    tokenEndpointAuthMethod: none
    redirectUris: ['https://app.example.com/cb#fragment']
    identityProviders: [Halfway IdP]
`;
    const error = await failure(applyConfiguration(engine(), source(text)));
    expect(error.problems).toEqual([expect.objectContaining({ path: 'applications[0].redirectUris[0]', line: 12 })]);
    expect(await stores()).toEqual(before.stores);
    expect(await auditCount()).toBe(before.audit);
  });
});

describe('--prune', () => {
  it(
    'deletes what the file does not name, in its sections, and shows the IdP-deletion preview under the threshold rule',
    SLOW,
    async () => {
      const created = await json<{ id: string }>(
        await server.admin('POST', '/api/v1/identity-providers', {
          name: 'Legacy',
          protocol: 'oidc',
          oidc: { issuer: 'https://legacy.example.com', clientId: 'l' },
        }),
      );
      const primary = await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY');
      for (const i of [1, 2, 3]) {
        const user = await insertUser(server.ctx.store.db, {
          userStoreId: primary.id,
          userName: `legacy-${i}`,
          resource: { schemas: [SCIM_USER_SCHEMA], userName: `legacy-${i}`, active: true },
          jitIdpId: created.id,
        });
        await server.ctx.store.db.insert(federatedIdentities).values({ idpId: created.id, subject: `legacy-${i}`, userId: user.id });
      }
      const current = await exportConfiguration(engine());
      const withoutLegacy = current.text.replace(/  - name: Legacy\n(    .*\n)+/, '');
      expect(withoutLegacy).not.toContain('Legacy');
      const env = Object.fromEntries(current.secrets.map((s) => [s.variable, 'unknown-but-required-Zq8Xw2Lk5Vn9Bm3Hj7Fd1Gs4']));
      // Without --prune the IdP stays.
      const plain = await planConfiguration(engine(), source(withoutLegacy, env));
      expect(plain.changes.filter((c) => c.action === 'delete')).toEqual([]);

      // Settings say: delete JIT users with their IdP, at most 2 without force.
      const strict = withoutLegacy.replace(/idpDeleteThreshold: \d+/, 'enhancedFeature: true\n    idpDeleteThreshold: 2');
      expect(strict).toContain('enhancedFeature: true');
      const refused = await failure(planConfiguration(engine(), source(strict, env), { prune: true }));
      expect(refused.problems).toEqual([
        expect.objectContaining({
          path: "identityProviders 'Legacy' (not in the file, --prune)",
          code: 'idp_delete_force_required',
          message: expect.stringContaining('--force'),
        }),
      ]);

      const plan = await planConfiguration(engine(), source(strict, env), { prune: true, force: true });
      const deletion = plan.changes.find((c) => c.action === 'delete')!;
      expect(deletion).toMatchObject({
        label: 'identity provider',
        key: 'Legacy',
        deletion: { users: 'delete', affectedUsers: 3, threshold: 2, forceRequired: true },
      });
      expect(renderPlan(plan)).toContain('- delete identity provider "Legacy"');
      expect(renderPlan(plan)).toContain('deletion preview: users=delete, 3 users affected (threshold 2, needs --force)');

      // Env values above are not the held secrets: the plan rotates them; apply the prune alone with the real ones.
      await applyConfiguration(engine(), source(strict, env), { prune: true, force: true });
      expect((await server.admin('GET', `/api/v1/identity-providers/${created.id}`)).status).toBe(404);
    },
  );
});

describe('export', () => {
  it('export → apply on an empty database → export gives the same file, byte for byte', SLOW, async () => {
    // A SAML IdP and an OAuth connector too, so every shape crosses.
    const { IDP_KEYS } = await import('../support/saml-idp.js');
    expect(
      (
        await server.admin('POST', '/api/v1/identity-providers', {
          name: 'SAML partner',
          protocol: 'saml',
          saml: { entityId: 'urn:partner', ssoUrl: 'https://partner.example.com/sso', signingCertificate: IDP_KEYS.cert },
          roleMappings: [{ remote: 'staff', local: 'Staff' }],
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await server.admin('POST', '/api/v1/outbound-connectors', {
          name: 'OAuth target',
          baseUrl: 'https://oauth.example.com/scim/v2/',
          auth: { type: 'oauth2', tokenUrl: 'https://oauth.example.com/token', clientId: 'jb', clientSecret: 'oauth-secret' },
          delivery: { maxAttempts: 3 },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await server.admin('POST', '/api/v1/applications', {
          name: 'Public SPA',
          tokenEndpointAuthMethod: 'none',
          redirectUris: ['https://spa.example.com/cb'],
        })
      ).status,
    ).toBe(201);

    // A SAML application with every part a file can hold (its SP certificates inline: they are public).
    const partner = (
      await json<{ items: Array<{ id: string; name: string }> }>(await server.admin('GET', '/api/v1/identity-providers'))
    ).items.find((i) => i.name === 'SAML partner')!;
    expect(
      (
        await server.admin('POST', '/api/v1/applications', {
          protocol: 'saml',
          name: 'Expenses (SAML)',
          saml: {
            entityId: 'https://expenses.example.com/saml',
            assertionConsumerServices: [
              { url: 'https://expenses.example.com/saml/acs', isDefault: true },
              { url: 'https://expenses.example.com/saml/acs2', index: 5 },
            ],
            singleLogoutService: { binding: 'HTTP-Redirect', url: 'https://expenses.example.com/saml/slo' },
            signingCertificates: [IDP_KEYS.cert],
            encryptionCertificate: IDP_KEYS.cert,
            wantAuthnRequestsSigned: true,
            nameId: { format: 'emailAddress' },
            attributes: [
              { name: 'email', nameFormat: 'basic', value: 'emails[primary eq true].value' },
              { name: 'groups', friendlyName: 'Groups', value: '$groups' },
            ],
            assertionLifetimeSeconds: 120,
            signResponse: false,
            encryption: { algorithm: 'aes256-cbc' },
            idpInitiated: { enabled: true, defaultRelayState: '/home' },
          },
          identityProviders: [partner.id],
          signInFlow: { steps: [{ options: [{ idp: partner.id }] }] },
        })
      ).status,
    ).toBe(201);

    const first = await exportConfiguration(engine());
    expect(first.text).toContain('name: SAML partner');
    expect(first.text).toContain(
      '  - name: Expenses (SAML)\n    protocol: saml\n    saml:\n      entityId: https://expenses.example.com/saml\n',
    );
    expect(first.text).toContain('-----BEGIN CERTIFICATE-----');
    expect(first.text).toContain('clientSecret: ${env:JITBRIDGE_OUTBOUND_OAUTH_TARGET_CLIENT_SECRET}');
    expect(first.text).not.toMatch(/oauth-secret|directory-bearer|entra-client-secret/);

    const empty = await startTestServer({ label: 'config_as_code_empty' });
    try {
      const env = Object.fromEntries(first.secrets.map((s, i) => [s.variable, `Rk${i}Xq8Wz2Lm5Vn9Bj3Hd7Fs1Gt4Yc6Up0`]));
      const applied = await applyConfiguration(engineFor(empty.ctx), source(first.text, env));
      expect(applied.applied).toBe(true);
      const second = await exportConfiguration(engineFor(empty.ctx));
      expect(second.text).toBe(first.text);
      expect(second.secrets).toEqual(first.secrets);
    } finally {
      await empty.stop();
    }
  });
});

describe('POST /api/v1/config/plan and /apply', () => {
  it('plans and applies with env values sent along; refuses ${file:…}; answers problems as problem+json', async () => {
    const text = 'scimClients:\n  - name: Over HTTP\n    token: ${env:T}\n';
    const plan = await server.admin('POST', '/api/v1/config/plan', { source: text, env: { T: 'Wk5Zr8Xq2Lm6Vn9Bj3Hd7Fs1Gt4Yc0Up3' } });
    expect(plan.status).toBe(200);
    expect(await json<{ summary: unknown }>(plan)).toMatchObject({ summary: { create: 1, update: 0, delete: 0 } });
    const apply = await server.admin('POST', '/api/v1/config/apply', {
      source: text,
      name: 'ci.yaml',
      env: { T: 'Wk5Zr8Xq2Lm6Vn9Bj3Hd7Fs1Gt4Yc0Up3' },
    });
    expect(await json<{ applied: boolean }>(apply)).toMatchObject({ applied: true });

    const fileRef = await server.admin('POST', '/api/v1/config/plan', {
      source: 'scimClients:\n  - name: F\n    token: ${file:/etc/hostname}\n',
    });
    expect(fileRef.status).toBe(400);
    expect(fileRef.headers.get('content-type')).toBe('application/problem+json');
    expect(await json<unknown>(fileRef)).toMatchObject({
      code: 'invalid_configuration',
      errors: [{ field: 'scimClients[0].token', message: expect.stringContaining('line 3') }],
    });
    // The server's own environment is never read over HTTP.
    process.env.JITBRIDGE_TEST_SERVER_ONLY = 'Vb8Nm2Lk5Jh9Gf3Ds7Aq1Wz4Xc6Er0Ty';
    const envRef = await server.admin('POST', '/api/v1/config/plan', {
      source: 'scimClients:\n  - name: E\n    token: ${env:JITBRIDGE_TEST_SERVER_ONLY}\n',
    });
    expect(envRef.status).toBe(400);
    delete process.env.JITBRIDGE_TEST_SERVER_ONLY;

    expect((await fetch(`${server.url}/api/v1/config/schema.json`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/v1/config/plan`, { method: 'POST' })).status).toBe(401);
  });
});
