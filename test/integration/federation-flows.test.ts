// The federation repositories on a real database: a flow is consumed once, only for its IdP, and not after it
// expired; an assertion id is remembered once per IdP.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeFederationFlow, consumeSamlFlow, insertFederationFlow } from '../../src/store/federation-flows-repo.js';
import { rememberAssertionId } from '../../src/store/saml-replay-repo.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'federation_flows' });
});
afterAll(async () => server?.stop());

describe('federation flows', () => {
  it('are consumed once, by their IdP only', async () => {
    const db = server.ctx.store.db;
    const idp = randomUUID();
    await insertFederationFlow(db, {
      id: 'state-1',
      idpId: idp,
      protocol: 'oidc',
      nonce: 'n',
      codeVerifier: 'v',
      returnTo: '/done',
      context: { a: 1 },
    });
    expect(await consumeFederationFlow(db, randomUUID(), 'state-1')).toBeUndefined();
    const [first, second] = await Promise.all([consumeFederationFlow(db, idp, 'state-1'), consumeFederationFlow(db, idp, 'state-1')]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect(first ?? second).toMatchObject({ nonce: 'n', codeVerifier: 'v', returnTo: '/done', context: { a: 1 } });
    expect(await consumeFederationFlow(db, idp, 'state-1')).toBeUndefined();
  });

  it('expire', async () => {
    const db = server.ctx.store.db;
    const idp = randomUUID();
    await insertFederationFlow(db, {
      id: 'state-old',
      idpId: idp,
      protocol: 'saml',
      samlRequestId: '_req-old',
      returnTo: '/done',
      ttlSeconds: -1,
    });
    expect(await consumeFederationFlow(db, idp, 'state-old')).toBeUndefined();
    expect(await consumeSamlFlow(db, idp, '_req-old')).toBeUndefined();
    await insertFederationFlow(db, { id: 'state-new', idpId: idp, protocol: 'saml', samlRequestId: '_req-new', returnTo: '/done' });
    expect(await consumeSamlFlow(db, idp, '_req-new')).toMatchObject({ id: 'state-new' });
  });
});

describe('SAML assertion ids', () => {
  it('are accepted once per IdP', async () => {
    const db = server.ctx.store.db;
    const [a, b] = [randomUUID(), randomUUID()];
    const until = new Date(Date.now() + 60_000);
    expect(await rememberAssertionId(db, a, '_assertion-1', until)).toBe(true);
    expect(await rememberAssertionId(db, a, '_assertion-1', until)).toBe(false);
    expect(await rememberAssertionId(db, b, '_assertion-1', until)).toBe(true);
  });
});
