// Sealed values are bound to their place (table, column, row id): one copied to another row does not open, and values
// sealed before the binding (v1) are sealed again at start, once, so that they keep opening where they are.
import { createCipheriv, randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorFromRow } from '../../src/outbound/index.js';
import { findConnector, findIdentityProviderSecrets, resealLegacySecrets, sealedPlaces, SecretBox } from '../../src/store/index.js';
import { rows } from '../../src/store/database.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ label: 'sealed_values' });
});
afterAll(async () => {
  await server?.stop();
});

const base = '/api/v1/outbound-connectors';
const createConnector = async (name: string, token: string) => {
  const response = await server.admin('POST', base, {
    name,
    baseUrl: 'https://scim.example.com/v2',
    auth: { type: 'bearer', token },
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
};
const createIdp = async (name: string, clientSecret: string) => {
  const response = await server.admin('POST', '/api/v1/identity-providers', {
    name,
    protocol: 'oidc',
    oidc: { issuer: 'https://idp.example.com', clientId: name, clientSecret },
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
};

/** How jitbridge sealed before the binding: AES-256-GCM, no associated data, `v1.` prefix. */
function sealV1(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

describe('a sealed value', () => {
  it('opens in its own row only: a connector secret copied to another connector does not open', async () => {
    const { store } = server.ctx;
    const victim = await createConnector('victim', 'victim-downstream-token');
    const attacker = await createConnector('attacker', 'attacker-token');
    expect(connectorFromRow((await findConnector(store.db, victim))!, store.secrets).auth).toEqual({
      type: 'bearer',
      token: 'victim-downstream-token',
    });
    await store.db.execute(
      sql`update outbound_connectors set secrets_encrypted = (select secrets_encrypted from outbound_connectors where id = ${victim})
          where id = ${attacker}`,
    );
    const copied = (await findConnector(store.db, attacker))!;
    expect(() => connectorFromRow(copied, store.secrets)).toThrow(expect.objectContaining({ code: 'secret_unreadable' }));
    // The connector test of the attacker's connector cannot send the victim's token anywhere.
    expect((await server.admin('POST', `${base}/${attacker}/test`)).status).toBe(500);
  });

  it('does not open in another table or column either', async () => {
    const { store } = server.ctx;
    const idp = await createIdp('bound-idp', 'idp-client-secret-0123456789');
    expect(await findIdentityProviderSecrets(store.db, store.secrets, idp)).toEqual({ clientSecret: 'idp-client-secret-0123456789' });
    const [row] = await rows<{ sealed: string }>(
      store.db,
      sql`select secrets_encrypted as sealed from identity_providers where id = ${idp}`,
    );
    expect(row!.sealed).toMatch(/^v2\./);
    expect(() => store.secrets.open(row!.sealed, sealedPlaces.outboundConnector(idp))).toThrow(/cannot be opened/);
    expect(() => store.secrets.open(row!.sealed, { ...sealedPlaces.identityProvider(idp), column: 'other' })).toThrow(/cannot be opened/);
    // A v1 value no longer opens through open(): only the re-seal step reads it.
    expect(() => store.secrets.open(sealV1(Buffer.alloc(32, 1), 'x'), sealedPlaces.identityProvider(idp))).toThrow(/unknown format/);
  });
});

describe('values sealed before the binding (v1)', () => {
  it('are sealed again for their row at start, once, and keep opening', async () => {
    const { store } = server.ctx;
    const key = randomBytes(32);
    const box = new SecretBox(key);
    const connector = await createConnector('legacy', 'ignored');
    const idp = await createIdp('legacy-idp', 'ignored-secret-0123456789');
    // As a database from before the binding holds them (the server's own key would be used in real life).
    await store.db.execute(
      sql`update outbound_connectors set secrets_encrypted = ${sealV1(key, JSON.stringify({ token: 'legacy-token' }))} where id = ${connector}`,
    );
    await store.db.execute(
      sql`update identity_providers set secrets_encrypted = ${sealV1(key, JSON.stringify({ clientSecret: 'legacy-secret' }))} where id = ${idp}`,
    );
    const legacyKeys = await rows<{ n: number }>(
      store.db,
      sql`select count(*)::int as n from key_material where private_encrypted like 'v1.%'`,
    );
    expect(legacyKeys[0]!.n).toBe(0);

    expect(await resealLegacySecrets(store, box)).toBe(2);
    expect(await resealLegacySecrets(store, box)).toBe(0);
    expect(connectorFromRow((await findConnector(store.db, connector))!, box).auth).toEqual({ type: 'bearer', token: 'legacy-token' });
    expect(await findIdentityProviderSecrets(store.db, box, idp)).toEqual({ clientSecret: 'legacy-secret' });
    const left = await rows<{ n: number }>(
      store.db,
      sql`select (select count(*) from outbound_connectors where secrets_encrypted like 'v1.%')
            + (select count(*) from identity_providers where secrets_encrypted like 'v1.%') as n`,
    );
    expect(Number(left[0]!.n)).toBe(0);
  });

  it('are re-sealed by a server start over the database (the key check row included)', async () => {
    const { store } = server.ctx;
    const key = (server.ctx.store.secrets as unknown as { key: Buffer }).key;
    const connector = await createConnector('restart', 'ignored');
    await store.db.execute(
      sql`update outbound_connectors set secrets_encrypted = ${sealV1(key, JSON.stringify({ token: 'from-v1' }))} where id = ${connector}`,
    );
    await store.db.execute(
      sql`update key_material set private_encrypted = ${sealV1(key, 'jitbridge secrets key check')} where id = 'secrets-key-check'`,
    );
    const second = await startTestServer({ database: server.database, label: 'sealed_values_2' });
    try {
      const row = (await findConnector(second.ctx.store.db, connector))!;
      expect(row.secretsEncrypted).toMatch(/^v2\./);
      expect(connectorFromRow(row, second.ctx.store.secrets).auth).toEqual({ type: 'bearer', token: 'from-v1' });
      const [check] = await rows<{ sealed: string }>(
        store.db,
        sql`select private_encrypted as sealed from key_material where id = 'secrets-key-check'`,
      );
      expect(check!.sealed).toMatch(/^v2\./);
    } finally {
      await second.stop();
    }
  });
});
