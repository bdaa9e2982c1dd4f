// Context tokens for external provisioning pages: issued for one page, verified (signature, type, issuer,
// audience, expiry, step), redeemed once; the key lives sealed in the store and is shared by instances.
import { randomBytes } from 'node:crypto';
import { base64url, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextTokens, CONTEXT_TOKEN_TYPE, type ProvisioningContext } from '../../src/provisioning/context-token.js';
import { createStore, type Store, SecretBox, sweepUsedContextTokens } from '../../src/store/index.js';
import { keyMaterial, usedContextTokens } from '../../src/store/schema/index.js';
import { sql } from 'drizzle-orm';
import { openMigratedTestDatabase, type MigratedTestDatabase } from '../support/database.js';

const ISSUER = 'https://id.example.test';
const PAGE = 'https://pages.example.test/provision/password';
const context: ProvisioningContext = {
  step: 'password',
  pendingId: 'pending-123',
  appName: 'Expense reports',
  username: 'alice',
  completionUrl: `${ISSUER}/login/provisioning/complete`,
};

let testDatabase: MigratedTestDatabase;
let store: Store;
beforeAll(async () => {
  testDatabase = await openMigratedTestDatabase('context_token', { poolSize: 2, defaults: false });
  store = createStore(testDatabase.database, new SecretBox(randomBytes(32)));
});
afterAll(async () => testDatabase?.close());

const code = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
};

describe('context tokens', () => {
  it('carries what the page needs and sends the browser to the page with it', async () => {
    const tokens = createContextTokens({ store, issuer: ISSUER });
    const issued = await tokens.issue(PAGE, context);
    const redirect = new URL(issued.redirectUrl);
    expect(redirect.origin + redirect.pathname).toBe(PAGE);
    expect(redirect.searchParams.get('context')).toBe(issued.token);
    const expiresIn = issued.expiresAt.getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(250_000);
    expect(expiresIn).toBeLessThanOrEqual(300_000);
    const verified = await tokens.verify(issued.token, { pageUrl: PAGE, step: 'password' });
    expect(verified).toMatchObject({ ...context, jti: issued.jti });
    // The signing key is stored sealed, never in the clear.
    const [row] = await store.db.select().from(keyMaterial);
    expect(row).toMatchObject({ purpose: 'provisioning-context', algorithm: 'HS256' });
    expect(row!.privateEncrypted.startsWith('v2.')).toBe(true);
  });

  it('is single use: redeemed once, then refused as a replay (and a second redemption fails)', async () => {
    const tokens = createContextTokens({ store, issuer: ISSUER });
    const issued = await tokens.issue(PAGE, context);
    const verified = await tokens.verify(issued.token, { pageUrl: PAGE });
    // Verifying again before redemption is fine: a refused answer can be posted again.
    await tokens.verify(issued.token, { pageUrl: PAGE });
    await store.transaction((tx) => tokens.redeem(tx, verified));
    expect(await code(tokens.verify(issued.token, { pageUrl: PAGE }))).toBe('context_token_replayed');
    expect(await code(store.transaction((tx) => tokens.redeem(tx, verified)))).toBe('context_token_replayed');
  });

  it('a redemption rolled back with its transaction leaves the token usable', async () => {
    const tokens = createContextTokens({ store, issuer: ISSUER });
    const issued = await tokens.issue(PAGE, context);
    const verified = await tokens.verify(issued.token, { pageUrl: PAGE });
    await expect(
      store.transaction(async (tx) => {
        await tokens.redeem(tx, verified);
        throw new Error('the provisioning failed');
      }),
    ).rejects.toThrow('the provisioning failed');
    expect(await code(tokens.verify(issued.token, { pageUrl: PAGE }))).toBe('accepted');
  });

  it('refuses a token for another page, another step, or from another issuer', async () => {
    const tokens = createContextTokens({ store, issuer: ISSUER });
    const { token } = await tokens.issue(PAGE, context);
    expect(await code(tokens.verify(token, { pageUrl: 'https://pages.example.test/provision/username' }))).toBe('context_token_invalid');
    expect(await code(tokens.verify(token, { pageUrl: PAGE, step: 'username' }))).toBe('context_token_invalid');
    const elsewhere = createContextTokens({ store, issuer: 'https://other.example.test' });
    expect(await code(elsewhere.verify(token, { pageUrl: PAGE }))).toBe('context_token_invalid');
  });

  it('refuses an expired token', async () => {
    const shortLived = createContextTokens({ store, issuer: ISSUER, ttlSeconds: -30 });
    const { token } = await shortLived.issue(PAGE, context);
    expect(await code(createContextTokens({ store, issuer: ISSUER }).verify(token, { pageUrl: PAGE }))).toBe('context_token_expired');
  });

  it('refuses a tampered, unsigned, foreign-key or malformed token', async () => {
    const tokens = createContextTokens({ store, issuer: ISSUER });
    const { token } = await tokens.issue(PAGE, context);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload!))) as Record<string, unknown>;
    const forged = base64url.encode(JSON.stringify({ ...claims, preferred_username: 'admin' }));
    expect(await code(tokens.verify(`${header}.${forged}.${signature}`, { pageUrl: PAGE }))).toBe('context_token_invalid');
    const unsigned = new UnsecuredJWT(claims).encode();
    expect(await code(tokens.verify(unsigned, { pageUrl: PAGE }))).toBe('context_token_invalid');
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: CONTEXT_TOKEN_TYPE }).sign(randomBytes(32));
    expect(await code(tokens.verify(foreign, { pageUrl: PAGE }))).toBe('context_token_invalid');
    expect(await code(tokens.verify('not.a.jwt', { pageUrl: PAGE }))).toBe('context_token_invalid');
    expect(await code(tokens.verify('', { pageUrl: PAGE }))).toBe('context_token_invalid');
  });

  it('is verified by another instance on the same database (one key per deployment)', async () => {
    const first = createContextTokens({ store, issuer: ISSUER });
    const second = createContextTokens({ store: createStore(testDatabase.database, store.secrets), issuer: ISSUER });
    const { token } = await first.issue(PAGE, context);
    expect(await code(second.verify(token, { pageUrl: PAGE }))).toBe('accepted');
  });

  it('forgets used token ids once they have expired anyway', async () => {
    const before = (await store.db.select().from(usedContextTokens)).length;
    expect(before).toBeGreaterThan(0);
    await store.db.execute(sql`update used_context_tokens set expires_at = now() - interval '1 minute'`);
    await sweepUsedContextTokens(store.db);
    expect(await store.db.select().from(usedContextTokens)).toEqual([]);
  });
});
