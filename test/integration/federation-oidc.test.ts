// Upstream OIDC federation against a real oidc-provider (authorization code + PKCE, state and nonce in the store),
// and the negative vectors of OpenID Connect Core §3.1.3.7 against the same OP in hostile mode (crafted ID tokens):
// each refused with nothing stored.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/store/database.js';
import { userStores } from '../../src/store/schema/index.js';
import { CookieJar, federatedLogin, send } from '../support/federated-login.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startUpstreamOp, type Craft, type UpstreamOp, registerBridgeIdp } from '../support/upstream-op.js';

let server: TestServer;
let upstream: UpstreamOp;
/** The same fake OP in hostile mode: no userinfo, ID tokens crafted by each test. */
let crafted: UpstreamOp;
let idpId: string;
let craftedIdpId: string;

const count = async (table: string) =>
  (await rows<{ n: number }>(server.ctx.store.db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n;

beforeAll(async () => {
  [server, upstream, crafted] = await Promise.all([
    startTestServer({ label: 'federation_oidc' }),
    startUpstreamOp({ claimsIn: 'userinfo' }),
    startUpstreamOp({ userinfo: false }),
  ]);
  idpId = await registerBridgeIdp(server, upstream);
  upstream.setAccount('alice', {
    preferred_username: 'alice',
    email: 'alice@example.com',
    email_verified: true,
    given_name: 'Alice',
    family_name: 'Liddell',
  });

  craftedIdpId = await registerBridgeIdp(server, crafted, 'Crafted OP');
  // The crafted logins sign in as 'x' upstream; the ID token the bridge gets is the test's.
  crafted.setAccount('x', {});
});
afterAll(async () => {
  await Promise.all([server?.stop(), upstream?.stop(), crafted?.stop()]);
});

describe('login through a real upstream OP', () => {
  it('provisions the user from the ID token and userinfo claims and returns to return_to', async () => {
    const login = await federatedLogin(server, { idpId, login: 'alice', returnTo: '/done?x=1' });
    expect(login.location).toMatch(/^\/done\?x=1&login_result=/);
    expect(login.result).toMatchObject({ outcome: 'success', idpId, subject: 'alice', errorCode: null });
    expect(login.result.userId).toMatch(/^[0-9a-f-]{36}$/);
    expect(login.result.authnContext).toMatchObject({ protocol: 'oidc' });
    const [user] = await rows<{ user_name: string; primary_email: string }>(
      server.ctx.store.db,
      sql`select user_name, primary_email from users where id = ${login.result.userId}`,
    );
    expect(user).toMatchObject({ user_name: 'alice', primary_email: 'alice@example.com' });
    // The flow was consumed: a second use of the same callback is a plain 400.
    expect(await count('federation_flows where consumed_at is null')).toBe(0);
  });

  it('a second login finds the same user; changed upstream claims reach it', async () => {
    upstream.updateClaims('alice', { family_name: 'Pleasance' });
    const first = await federatedLogin(server, { idpId, login: 'alice' });
    const [user] = await rows<{ family_name: string }>(
      server.ctx.store.db,
      sql`select family_name from users where id = ${first.result.userId}`,
    );
    expect(user!.family_name).toBe('Pleasance');
    expect(await count('users')).toBe(1);
  });

  it('hands the context of the flow back in the result', async () => {
    const { beginUpstreamLogin } = await import('../../src/federation/index.js');
    const { redirectUrl } = await beginUpstreamLogin(server.ctx, {
      idpId,
      returnTo: '/oidc/interaction/abc',
      context: { interactionUid: 'abc' },
    });
    expect(redirectUrl).toContain(`${upstream.issuer}/auth?`);
    const url = new URL(redirectUrl);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('nonce')).toBeTruthy();
    const [flow] = await rows<{ context: unknown; return_to: string }>(
      server.ctx.store.db,
      sql`select context, return_to from federation_flows where id = ${url.searchParams.get('state')}`,
    );
    expect(flow).toMatchObject({ context: { interactionUid: 'abc' }, return_to: '/oidc/interaction/abc' });
  });
});

describe('start refuses open redirects and unknown IdPs', () => {
  it.each([
    'https://evil.example/x',
    '//evil.example/x',
    '/\\evil.example',
    'javascript:alert(1)',
    '',
    'done',
    '/..//evil.example',
    '/a/./..//evil.example',
    '/%2e%2e//evil.example',
    `/%0d%0aLocation:%20https://evil.example`,
  ])('refuses return_to %j', async (returnTo) => {
    const before = await count('federation_flows');
    const response = await fetch(`${server.url}/federation/${idpId}/start?return_to=${encodeURIComponent(returnTo)}`, {
      redirect: 'manual',
    });
    if (returnTo.startsWith('/%0d')) {
      // Percent-encoded CR/LF stay inert text inside a local path.
      expect([302, 400]).toContain(response.status);
      if (response.status === 302) expect(response.headers.get('location')).toContain(upstream.issuer);
      return;
    }
    expect(response.status).toBe(400);
    expect(await count('federation_flows')).toBe(before);
  });

  it('answers 404 for an unknown IdP', async () => {
    const response = await fetch(`${server.url}/federation/00000000-0000-4000-8000-000000000000/start?return_to=/done`, {
      redirect: 'manual',
    });
    expect(response.status).toBe(404);
  });
});

describe('negative vectors: refused, nothing stored', () => {
  const nothingStored = async () => {
    expect(await count('users')).toBe(1); // only alice from the tests above
    expect(await count(`federated_identities where idp_id = '${craftedIdpId}'`)).toBe(0);
  };

  it('wrong state: the styled 400 page, no login result', async () => {
    const results = await count('login_results');
    const jar = new CookieJar();
    const response = await send(jar, `${server.url}/federation/${idpId}/callback?code=abc&state=not-a-state`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await count('login_results')).toBe(results);
    // A state of another IdP's flow does not work here either.
    const start = await send(jar, `${server.url}/federation/${craftedIdpId}/start?return_to=/done`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    expect((await send(jar, `${server.url}/federation/${idpId}/callback?code=abc&state=${state}`)).status).toBe(400);
  });

  it('replayed code: refused by the upstream token endpoint, failure result with a stable code', async () => {
    let callback: URL | undefined;
    await federatedLogin(server, { idpId, login: 'alice', beforeCallback: (url) => void (callback = new URL(url)) });
    // A fresh flow (new state) presented with the old, already redeemed code.
    const jar = new CookieJar();
    const start = await send(jar, `${server.url}/federation/${idpId}/start?return_to=/done`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const replay = new URL(callback!);
    replay.searchParams.set('state', state);
    const users = await count('users');
    const response = await send(jar, replay.href);
    expect(response.status).toBe(303);
    const id = new URL(response.headers.get('location')!, server.url).searchParams.get('login_result')!;
    const [result] = await rows<{ outcome: string; error_code: string; user_id: string | null }>(
      server.ctx.store.db,
      sql`select outcome, error_code, user_id from login_results where id = ${id}`,
    );
    expect(result).toMatchObject({ outcome: 'failure', error_code: 'upstream_invalid_grant', user_id: null });
    expect(await count('users')).toBe(users);
    const [audit] = await rows<{ reason: string; outcome: string }>(
      server.ctx.store.db,
      sql`select reason, outcome from audit_events where action = 'federation.login' order by id desc limit 1`,
    );
    expect(audit).toMatchObject({ reason: 'upstream_invalid_grant', outcome: 'refused' });
  });

  const vectors: Array<[string, Craft, string[]]> = [
    ['nonce mismatch', (c) => c.sign({ ...c.claims('mallory'), nonce: 'another-nonce' }), ['id_token_nonce_mismatch']],
    ['bad signature', (c) => c.signWithOtherKey(c.claims('mallory')), ['id_token_bad_signature']],
    ['alg none', (c) => c.unsigned(c.claims('mallory')), ['id_token_bad_algorithm', 'id_token_bad_signature', 'id_token_invalid']],
    ['wrong iss', (c) => c.sign({ ...c.claims('mallory'), iss: 'https://evil.example' }), ['id_token_wrong_issuer']],
    ['wrong aud', (c) => c.sign({ ...c.claims('mallory'), aud: 'another-client' }), ['id_token_wrong_audience']],
    [
      'extra untrusted audience without azp',
      (c) => c.sign({ ...c.claims('mallory'), aud: [c.clientId, 'another-client'] }),
      ['id_token_wrong_audience', 'id_token_invalid'],
    ],
    [
      'azp naming another client',
      (c) => c.sign({ ...c.claims('mallory'), aud: [c.clientId, 'another-client'], azp: 'another-client' }),
      ['id_token_wrong_audience', 'id_token_invalid'],
    ],
    ['no sub', (c) => c.sign({ ...c.claims('mallory'), sub: undefined }), ['id_token_invalid']],
    [
      'expired',
      (c) => c.sign({ ...c.claims('mallory'), iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }),
      ['id_token_expired'],
    ],
    [
      'issued a day in the future',
      (c) => c.sign({ ...c.claims('mallory'), iat: Math.floor(Date.now() / 1000) + 86_400, exp: Math.floor(Date.now() / 1000) + 90_000 }),
      ['id_token_issued_in_future'],
    ],
    [
      'issued beyond UPSTREAM_CLOCK_TOLERANCE_SECONDS (default 60)',
      (c) => c.sign({ ...c.claims('mallory'), iat: Math.floor(Date.now() / 1000) + 120 }),
      ['id_token_issued_in_future'],
    ],
    [
      'tampered payload (signature over other claims)',
      async (c) => {
        const [h, , s] = (await c.sign(c.claims('mallory'))).split('.');
        return `${h}.${Buffer.from(JSON.stringify({ ...c.claims('alice') })).toString('base64url')}.${s}`;
      },
      ['id_token_bad_signature'],
    ],
  ];

  it('an error answer from the upstream (access_denied) is a failure result', async () => {
    crafted.authorizeError = 'access_denied';
    try {
      const login = await federatedLogin(server, { idpId: craftedIdpId, login: 'x' });
      expect(login.result).toMatchObject({ outcome: 'failure', errorCode: 'upstream_access_denied', userId: null });
      await nothingStored();
    } finally {
      crafted.authorizeError = undefined;
    }
  });

  it('accepts an iat a little ahead, within the clock tolerance', async () => {
    crafted.craft = (c) => c.sign({ ...c.claims('crafted-skew'), iat: Math.floor(Date.now() / 1000) + 20 });
    const login = await federatedLogin(server, { idpId: craftedIdpId, login: 'x' });
    expect(login.result).toMatchObject({ outcome: 'success', subject: 'crafted-skew' });
    // Clean up: the negative vectors below count on no users from this IdP.
    await server.ctx.store.db.execute(sql`delete from users where id = ${login.result.userId}`);
  });

  it('accepts a well-formed crafted token (the harness itself works)', async () => {
    crafted.craft = (c) => c.sign(c.claims('crafted-ok'));
    const login = await federatedLogin(server, { idpId: craftedIdpId, login: 'x' });
    expect(login.result).toMatchObject({ outcome: 'success', subject: 'crafted-ok' });
    // Clean up: the negative vectors below count on no users from this IdP.
    await server.ctx.store.db.execute(sql`delete from users where id = ${login.result.userId}`);
  });

  it('works with explicit endpoints instead of discovery', async () => {
    const created = await server.admin('POST', '/api/v1/identity-providers', {
      name: 'Crafted OP, explicit endpoints',
      protocol: 'oidc',
      oidc: {
        issuer: crafted.issuer,
        clientId: crafted.clientId,
        clientSecret: crafted.clientSecret,
        authorizationEndpoint: `${crafted.issuer}/auth`,
        tokenEndpoint: `${crafted.issuer}/token`,
        jwksUri: `${crafted.issuer}/jwks`,
      },
    });
    const { id: explicitId, oidc } = (await created.json()) as { id: string; oidc: { redirectUri: string } };
    crafted.addRedirectUri(oidc.redirectUri);
    crafted.craft = (c) => c.sign(c.claims('explicit-user'));
    const login = await federatedLogin(server, { idpId: explicitId, login: 'x' });
    expect(login.result).toMatchObject({ outcome: 'success', subject: 'explicit-user' });
    crafted.craft = (c) => c.signWithOtherKey(c.claims('explicit-user-2'));
    const refused = await federatedLogin(server, { idpId: explicitId, login: 'x' });
    expect(refused.result).toMatchObject({ outcome: 'failure', errorCode: 'id_token_bad_signature' });
    await server.admin('DELETE', `/api/v1/identity-providers/${explicitId}`);
    await server.ctx.store.db.execute(sql`delete from users where id = ${login.result.userId}`);
  });

  it.each(vectors)('%s', async (_name, craft, codes) => {
    crafted.craft = craft;
    const results = await count('login_results');
    const login = await federatedLogin(server, { idpId: craftedIdpId, login: 'x' });
    expect(login.result.outcome).toBe('failure');
    expect(codes).toContain(login.result.errorCode);
    expect(login.result.userId).toBeNull();
    expect(login.result.subject).toBeNull();
    expect(await count('login_results')).toBe(results + 1);
    await nothingStored();
  });
});

describe('metrics', () => {
  it('counts finished upstream logins by IdP, protocol and result', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain(`federation_logins_total{idp="${idpId}",protocol="oidc",result="success"}`);
    expect(text).toContain(`federation_logins_total{idp="${craftedIdpId}",protocol="oidc",result="id_token_bad_signature"}`);
  });
});

describe('any instance finishes a login another began', () => {
  it('starts on one instance and completes on a second one sharing the database', async () => {
    const second = await startTestServer({ database: server.database, config: { publicUrl: server.url } });
    try {
      let callback: URL | undefined;
      const stop = new Error('stop before the callback');
      const jar = new CookieJar();
      await expect(
        federatedLogin(server, {
          idpId,
          login: 'alice',
          jar,
          beforeCallback: (url) => {
            callback = new URL(url);
            throw stop;
          },
        }),
      ).rejects.toBe(stop);
      const onSecond = new URL(`${callback!.pathname}${callback!.search}`, second.url);
      const response = await send(jar, onSecond.href);
      expect(response.status).toBe(303);
      const id = new URL(response.headers.get('location')!, server.url).searchParams.get('login_result')!;
      const [result] = await rows<{ outcome: string; subject: string }>(
        server.ctx.store.db,
        sql`select outcome, subject from login_results where id = ${id}`,
      );
      expect(result).toMatchObject({ outcome: 'success', subject: 'alice' });
    } finally {
      await second.stop();
    }
  });
});

describe('a login the provisioning core cannot complete', () => {
  it('still ends at return_to with a failure result (the user store of the IdP was deleted meanwhile)', async () => {
    const store = (await (await server.admin('POST', '/api/v1/user-stores', { domain: 'TEMPORARY' })).json()) as { id: string };
    expect(
      (await server.admin('PATCH', `/api/v1/identity-providers/${idpId}`, { provisioning: { jit: { userstore: 'TEMPORARY' } } })).status,
    ).toBe(200);
    // The admin API refuses to delete a store an IdP names (user_store_in_use): this is the state an older
    // version, or a hand-edited database, can leave behind.
    expect((await server.admin('DELETE', `/api/v1/user-stores/${store.id}`)).status).toBe(409);
    await server.ctx.store.db.delete(userStores).where(eq(userStores.id, store.id));
    upstream.setAccount('dora', { preferred_username: 'dora', email: 'dora@example.com' });
    const users = await count('users');
    const login = await federatedLogin(server, { idpId, login: 'dora' });
    expect(login.result.outcome).toBe('failure');
    expect(login.result.errorCode).toBeTruthy();
    expect(login.result.userId).toBeNull();
    expect(await count('users')).toBe(users);
    await server.admin('PATCH', `/api/v1/identity-providers/${idpId}`, { provisioning: { jit: { userstore: 'PRIMARY' } } });
  });
});

describe('disabled and deleted identity providers', () => {
  it('a disabled IdP cannot start a login, and a login in progress is refused at the callback', async () => {
    let callback: URL | undefined;
    const stop = new Error('stop');
    const jar = new CookieJar();
    await federatedLogin(server, {
      idpId,
      login: 'alice',
      jar,
      beforeCallback: (url) => {
        callback = new URL(url);
        throw stop;
      },
    }).catch(() => undefined);
    expect((await server.admin('PATCH', `/api/v1/identity-providers/${idpId}`, { enabled: false })).status).toBe(200);
    expect((await fetch(`${server.url}/federation/${idpId}/start?return_to=/done`, { redirect: 'manual' })).status).toBe(403);
    const response = await send(jar, callback!.href);
    expect(response.status).toBe(303);
    const id = new URL(response.headers.get('location')!, server.url).searchParams.get('login_result')!;
    const [result] = await rows<{ outcome: string; error_code: string }>(
      server.ctx.store.db,
      sql`select outcome, error_code from login_results where id = ${id}`,
    );
    expect(result).toMatchObject({ outcome: 'failure', error_code: 'identity_provider_disabled' });
    await server.admin('PATCH', `/api/v1/identity-providers/${idpId}`, { enabled: true });
  });

  it('deleting the IdP removes its links and keeps the users', async () => {
    const users = await count('users');
    expect(await count(`federated_identities where idp_id = '${idpId}'`)).toBeGreaterThan(0);
    expect((await server.admin('DELETE', `/api/v1/identity-providers/${idpId}`)).status).toBe(204);
    expect(await count(`federated_identities where idp_id = '${idpId}'`)).toBe(0);
    expect(await count('users')).toBe(users);
  });
});
