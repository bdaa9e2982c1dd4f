// The configuration file's JSON Schema: generated from the admin API's own schemas, committed, and shaped for a
// file (secrets by reference, names for ids). Plus the strength rule for supplied secrets.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA_FILE, renderConfigSchema } from '../../scripts/write-openapi.js';
import { buildOpenApiDocument } from '../../src/admin/index.js';
import { buildConfigSchema } from '../../src/config-as-code/index.js';
import { SchemaModel } from '../../src/config-as-code/schema-walk.js';
import { parseSecretReference } from '../../src/config-as-code/secret-references.js';
import { parseConfigFile } from '../../src/config-as-code/source.js';
import { suppliedSecretProblem } from '../../src/domain/secret-strength.js';

const schema = JSON.parse(renderConfigSchema()) as Record<string, unknown>;
const model = new SchemaModel(schema);

describe('openapi/jitbridge-config.schema.json', () => {
  it('matches the admin API in the code (run `npm run openapi` after changing the admin API)', async () => {
    expect(await readFile(CONFIG_SCHEMA_FILE, 'utf8'), 'stale: run npm run openapi').toBe(renderConfigSchema());
  });

  it('takes every write-only field of the API as a secret reference, and names where the API takes ids', () => {
    const secrets = Object.fromEntries(
      (['identityProviders', 'applications', 'scimClients', 'outboundConnectors'] as const).map((s) => [
        s,
        model.secretPaths(model.entrySchema(s)).map((p) => p.join('.')),
      ]),
    );
    expect(secrets).toEqual({
      identityProviders: ['oidc.clientSecret'],
      applications: ['clientSecret'],
      scimClients: ['token'],
      outboundConnectors: ['auth.token', 'auth.clientSecret'],
    });
    expect(model.referencePaths(model.entrySchema('applications'))).toEqual([
      { path: ['identityProviders', '*'], section: 'identityProviders' },
      { path: ['signInFlow', 'steps', '*', 'options', '*', 'idp'], section: 'identityProviders' },
    ]);
    expect(JSON.stringify(schema)).not.toContain('"format":"uuid"');
  });

  it('refuses an API whose input gains an id field the file has no name for', () => {
    const document = buildOpenApiDocument() as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
    document.components.schemas.ScimClientCreate!.properties.ownerId = { type: 'string', format: 'uuid' };
    expect(() => buildConfigSchema(document)).toThrow(/ScimClient.*ownerId/);
  });
});

describe('secret references', () => {
  it('takes ${env:NAME} and ${file:/path} and nothing else', () => {
    expect(parseSecretReference('${env:HR_TOKEN}')).toEqual({ kind: 'env', name: 'HR_TOKEN' });
    expect(parseSecretReference('${file:/run/secrets/x}')).toEqual({ kind: 'file', path: '/run/secrets/x' });
    expect(parseSecretReference('hunter2')).toMatchObject({ problem: expect.stringContaining('literal secret') });
    expect(parseSecretReference('prefix-${env:X}')).toMatchObject({ problem: expect.stringContaining('nothing around it') });
    expect(parseSecretReference('${env:1BAD}')).toMatchObject({ problem: expect.stringContaining('no valid environment variable') });
    expect(parseSecretReference('${vault:x}')).toMatchObject({ problem: expect.any(String) });
  });
});

describe('the file parser', () => {
  it('locates paths and refuses duplicate keys with their line', () => {
    const file = parseConfigFile('f.yaml', 'userStores:\n  - domain: A\n    description: x\n');
    expect(file.locate(['userStores', 0, 'description'])).toEqual({ line: 3, column: 18 });
    expect(file.locate(['userStores', 0, 'absent'])).toEqual({ line: 2, column: 5 });
    expect(() => parseConfigFile('f.yaml', 'a: 1\na: 2\n')).toThrow(/f\.yaml:2:1 duplicate key/);
    expect(parseConfigFile('f.json', '{"userStores": [{"domain": "J"}]}').value).toEqual({ userStores: [{ domain: 'J' }] });
  });
});

describe('supplied secrets', () => {
  it('must be long, random-looking and sendable as a bearer token', () => {
    expect(suppliedSecretProblem('Hq7Vx2Lp9Rt4Kz8Nw1Yc6Bm3Fs5Dj0Ga7Ue2Io9')).toBeNull();
    expect(suppliedSecretProblem('short')).toContain('at least 32');
    expect(suppliedSecretProblem('a'.repeat(40))).toContain('predictable');
    expect(suppliedSecretProblem('password1234password1234password')).toContain('predictable');
    expect(suppliedSecretProblem('ab'.repeat(20))).toContain('predictable');
    expect(suppliedSecretProblem('Hq7Vx2Lp9Rt4Kz8Nw1Yc6Bm3Fs5Dj0G a7Ue2Io9')).toContain('only letters');
  });
});
