// SAML applications in the configuration file (protocol: saml, matched by their SP entity ID, else by name): plan
// shows them created and changed field by field, apply creates and updates them through the admin API, --prune
// deletes them, and what the file cannot say (a duplicate entity ID, a protocol change) is refused in place.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineFor } from '../../src/config-file.js';
import { applyConfiguration, ConfigFileError, planConfiguration, renderPlan, type ConfigSource } from '../../src/config-as-code/index.js';
import { startTestServer, type TestServer } from '../support/server.js';

const SP_CERT = await readFile(new URL('../support/saml-keys/attacker-cert.pem', import.meta.url), 'utf8');
const indent = (text: string, spaces: number) =>
  text
    .trim()
    .split('\n')
    .map((line) => `${' '.repeat(spaces)}${line}`)
    .join('\n');

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'config_as_code_saml' });
});
afterAll(async () => {
  await server?.stop();
});

const engine = () => engineFor(server.ctx);
const source = (text: string): ConfigSource => ({ text, name: 'saml.yaml', env: {} });
const failure = async (work: Promise<unknown>): Promise<ConfigFileError> => {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigFileError);
  return error as ConfigFileError;
};
interface SamlView {
  id: string;
  name: string;
  protocol: string;
  identityProviders: string[];
  saml: { entityId: string; attributes: Array<{ name: string; value: string }>; signingCertificates: string[]; nameId: unknown };
}
// Without the console's own client, made at every start and never pruned (src/oidc/console-client.ts).
const apps = async () =>
  ((await (await server.admin('GET', '/api/v1/applications')).json()) as { items: SamlView[] }).items.filter(
    (app) => app.name !== 'jitbridge console',
  );

const file = (options: { attribute?: string; name?: string; lifetime?: number } = {}) => `
identityProviders:
  - name: Partner OP
    protocol: oidc
    oidc: { issuer: https://op.example.com, clientId: jb }
applications:
  - name: ${options.name ?? 'Wiki'}
    protocol: saml
    saml:
      entityId: https://wiki.example.com/saml
      assertionConsumerServices:
        - url: https://wiki.example.com/saml/acs
      signingCertificates:
        - |
${indent(SP_CERT, 10)}
      wantAuthnRequestsSigned: true
      attributes:
        - { name: mail, value: '${options.attribute ?? 'emails[primary eq true].value'}' }
        - { name: groups, value: $groups }
${options.lifetime ? `      assertionLifetimeSeconds: ${options.lifetime}\n` : ''}    identityProviders: [Partner OP]
`;

describe('SAML applications in the file', () => {
  it('plans the creation, applies it, and a second plan is empty', async () => {
    const plan = await planConfiguration(engine(), source(file()));
    const rendered = renderPlan(plan);
    expect(rendered).toContain('+ create application "Wiki"  (applications[0])');
    expect(rendered).toContain('protocol: "saml"');
    expect(rendered).toContain('saml.entityId: "https://wiki.example.com/saml"');
    expect(rendered).toContain('saml.attributes[1].value: "$groups"');
    expect(plan.summary).toEqual({ create: 2, update: 0, delete: 0 });

    expect((await applyConfiguration(engine(), source(file()))).applied).toBe(true);
    const [wiki] = (await apps()).filter((a) => a.name === 'Wiki');
    expect(wiki).toMatchObject({
      protocol: 'saml',
      saml: { entityId: 'https://wiki.example.com/saml', nameId: { format: 'persistent', source: '$pairwise' } },
    });
    expect(wiki!.saml.signingCertificates[0]!.trim()).toBe(SP_CERT.trim());
    expect(wiki!.identityProviders).toHaveLength(1);
    expect((await planConfiguration(engine(), source(file()))).changes).toEqual([]);
  });

  it('shows a change field by field and applies it; matched by entity ID, a rename is a change, not a new app', async () => {
    const changed = file({ attribute: 'userName', name: 'Team wiki', lifetime: 600 });
    const plan = await planConfiguration(engine(), source(changed));
    const rendered = renderPlan(plan);
    expect(rendered).toContain('~ change application "Team wiki"');
    expect(rendered).toContain('name: "Wiki" → "Team wiki"');
    expect(rendered).toContain('saml.attributes[0].value: "emails[primary eq true].value" → "userName"');
    expect(rendered).toContain('saml.assertionLifetimeSeconds: 300 → 600');
    expect(plan.summary).toEqual({ create: 0, update: 1, delete: 0 });

    const before = (await apps()).find((a) => a.saml?.entityId === 'https://wiki.example.com/saml')!;
    await applyConfiguration(engine(), source(changed));
    const after = (await apps()).filter((a) => a.protocol === 'saml');
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: before.id, name: 'Team wiki' });
    expect(after[0]!.saml.attributes[0]).toMatchObject({ name: 'mail', value: 'userName' });
  });

  it('refuses, in place and writing nothing: a duplicate entity ID, a protocol change, bad SAML settings', async () => {
    const duplicate = `${file()}  - name: Wiki again\n    protocol: saml\n    saml:\n      entityId: https://wiki.example.com/saml\n      assertionConsumerServices: [{ url: https://wiki.example.com/acs2 }]\n`;
    expect((await failure(planConfiguration(engine(), source(duplicate)))).problems).toContainEqual(
      expect.objectContaining({ path: 'applications[1].saml.entityId', message: expect.stringContaining('duplicate saml.entityId') }),
    );

    // An OIDC app of that name exists: the file cannot turn it into a SAML app.
    expect(
      (
        await server.admin('POST', '/api/v1/applications', {
          name: 'Portal',
          tokenEndpointAuthMethod: 'none',
          redirectUris: ['https://p.example.com/cb'],
        })
      ).status,
    ).toBe(201);
    const turned =
      'applications:\n  - name: Portal\n    protocol: saml\n    saml:\n      assertionConsumerServices: [{ url: https://p.example.com/acs }]\n';
    expect((await failure(planConfiguration(engine(), source(turned)))).problems).toEqual([
      expect.objectContaining({ path: 'applications[0].protocol', line: 3, message: expect.stringContaining('cannot change') }),
    ]);

    const bad =
      'applications:\n  - name: Bad SAML\n    protocol: saml\n    saml:\n      entityId: urn:bad\n      assertionConsumerServices: [{ url: ftp://bad.example.com/acs }]\n      wantAuthnRequestsSigned: true\n';
    const problems = (await failure(applyConfiguration(engine(), source(bad)))).problems;
    expect(problems).toContainEqual(expect.objectContaining({ path: 'applications[0].saml.assertionConsumerServices[0].url', line: 6 }));
    expect((await apps()).map((a) => a.name).sort()).toEqual(['Portal', 'Team wiki']);
  });

  it('--prune deletes a SAML application the file no longer names', async () => {
    const without =
      'identityProviders:\n  - name: Partner OP\n    protocol: oidc\n    oidc: { issuer: https://op.example.com, clientId: jb }\napplications: []\n';
    const plan = await planConfiguration(engine(), source(without), { prune: true });
    expect(renderPlan(plan)).toContain('- delete application "Team wiki"');
    expect(renderPlan(plan)).toContain('- delete application "Portal"');
    await applyConfiguration(engine(), source(without), { prune: true });
    expect(await apps()).toEqual([]);
  });
});
