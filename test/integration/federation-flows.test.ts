// The federation repositories on a real database: a flow is consumed once, only for its IdP, and not after it
// expired; an assertion id is remembered once per IdP.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeFederationFlow, consumeSamlFlow, insertFederationFlow } from '../../src/store/federation-flows-repo.js';
import { consumeLoginResult, saveLoginResult, rememberAssertionId } from '../../src/store/index.js';
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

  it('read back the same through the ephemeral handle, many times (prepared statements on PostgreSQL), and inside a transaction', async () => {
    const idp = randomUUID();
    for (let i = 0; i < 7; i++) {
      await insertFederationFlow(server.ctx.store.db, {
        id: `eph-${i}`,
        idpId: idp,
        protocol: 'oidc',
        nonce: null,
        returnTo: '/r',
      });
      const flow = await consumeFederationFlow(server.ctx.store.db, idp, `eph-${i}`);
      expect(flow).toMatchObject({ id: `eph-${i}`, idpId: idp, protocol: 'oidc', nonce: null, codeVerifier: null, context: null });
      expect(flow!.consumedAt).toBeInstanceOf(Date);
      expect(flow!.expiresAt.getTime()).toBeGreaterThan(Date.now());
    }
    expect(await consumeFederationFlow(server.ctx.store.db, 'not-a-uuid', 'eph-0')).toBeUndefined();
    const inTx = await server.ctx.store.transaction(async (tx) => {
      await insertFederationFlow(tx, { id: 'tx-1', idpId: idp, protocol: 'oidc', returnTo: '/r', context: { interactionUid: 'u' } });
      return consumeFederationFlow(tx, idp, 'tx-1');
    });
    expect(inTx).toMatchObject({ id: 'tx-1', context: { interactionUid: 'u' } });
  });
});

describe('login results', () => {
  it('are read once, with their JSON fields, and not after they expired', async () => {
    const idp = randomUUID();
    const user = randomUUID();
    for (let i = 0; i < 7; i++) {
      const id = await saveLoginResult(server.ctx.store.db, {
        flowId: `flow-${i}`,
        idpId: idp,
        subject: 'sub',
        userId: user,
        outcome: 'success',
        claims: { pendingId: 'p' },
        authnContext: { amr: ['pwd'] },
        context: { interactionUid: 'uid' },
      });
      const [first, second] = await Promise.all([consumeLoginResult(server.ctx.store.db, id), consumeLoginResult(server.ctx.store.db, id)]);
      expect([first, second].filter(Boolean)).toHaveLength(1);
      expect(first ?? second).toMatchObject({
        id,
        flowId: `flow-${i}`,
        idpId: idp,
        subject: 'sub',
        userId: user,
        outcome: 'success',
        errorCode: null,
        claims: { pendingId: 'p' },
        authnContext: { amr: ['pwd'] },
        context: { interactionUid: 'uid' },
      });
    }
    const failed = await saveLoginResult(server.ctx.store.db, {
      flowId: 'f',
      idpId: idp,
      subject: null,
      userId: null,
      outcome: 'failure',
      errorCode: 'denied',
      errorMessage: 'no',
    });
    expect(await consumeLoginResult(server.ctx.store.db, failed)).toMatchObject({ userId: null, claims: null, errorCode: 'denied' });
    const old = await saveLoginResult(server.ctx.store.db, {
      flowId: 'f',
      idpId: idp,
      subject: null,
      userId: null,
      outcome: 'success',
      ttlSeconds: -1,
    });
    expect(await consumeLoginResult(server.ctx.store.db, old)).toBeUndefined();
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
