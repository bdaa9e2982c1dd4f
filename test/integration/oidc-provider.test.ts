// The app-facing OpenID Provider without an upstream login: discovery, JWKS and key rotation, the
// applications API (secret shown once, stored hashed), client authentication against the hashed secret,
// and the requests it must refuse — each with the right OAuth error and nothing stored.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/store/database.js';
import { providerHolderFor } from '../../src/oidc/index.js';
import { countOidcPayloads } from '../../src/store/oidc-payloads-repo.js';
import { sweepExpired } from '../../src/store/index.js';
import { APP_REDIRECT, discover, registerApp, startLogin } from '../support/oidc-app.js';
import { CookieJarBrowser } from '../support/oidc-browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let idpA: string;
let idpB: string;
beforeAll(async () => {
  server = await startTestServer({ label: 'oidc_provider' });
  const idp = async (name: string) => {
    const response = await server.admin('POST', '/api/v1/identity-providers', {
      name,
      protocol: 'oidc',
      oidc: { issuer: 'http://127.0.0.1:9/upstream', clientId: 'jb', clientSecret: 'x' },
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  idpA = await idp('Corp A');
  idpB = await idp('Corp B');
});
afterAll(async () => server?.stop());

const tokensAndSessions = async () => {
  const counts = await countOidcPayloads(server.ctx.store.db);
  return ['Session', 'Grant', 'AuthorizationCode', 'AccessToken', 'RefreshToken'].reduce((n, model) => n + (counts[model] ?? 0), 0);
};

describe('discovery and keys', () => {
  it('publishes a complete discovery document under PUBLIC_URL/oidc', async () => {
    const response = await fetch(`${server.url}/oidc/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as Record<string, unknown>;
    const issuer = `${server.url}/oidc`;
    expect(doc).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/me`,
      jwks_uri: `${issuer}/jwks`,
      end_session_endpoint: `${issuer}/session/end`,
      revocation_endpoint: `${issuer}/token/revocation`,
      introspection_endpoint: `${issuer}/token/introspection`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      subject_types_supported: ['public'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    });
    expect([...(doc.id_token_signing_alg_values_supported as string[])].sort()).toEqual(['ES256', 'RS256']);
    expect(doc.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['openid', 'email', 'profile', 'groups', 'offline_access']));
    expect(doc.claims_supported).toEqual(
      expect.arrayContaining(['sub', 'email', 'email_verified', 'name', 'given_name', 'family_name', 'preferred_username', 'groups']),
    );
  });

  it('publishes RS256 and ES256 public keys, generated once and stored sealed', async () => {
    const jwks = (await (await fetch(`${server.url}/oidc/jwks`)).json()) as { keys: Array<Record<string, string>> };
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of jwks.keys) expect(key.d).toBeUndefined();
    const stored = await rows<{ id: string; private_encrypted: string }>(
      server.ctx.store.db,
      sql`select id, private_encrypted from key_material where purpose = 'oidc-signing'`,
    );
    expect(stored.map((k) => k.id).sort()).toEqual(jwks.keys.map((k) => k.kid).sort());
    for (const key of stored) expect(key.private_encrypted).toMatch(/^v2\./);
  });

  it('rotates signing keys: new keys sign, the old ones stay published', async () => {
    const before = (await (await fetch(`${server.url}/oidc/jwks`)).json()) as { keys: Array<{ kid: string }> };
    const rotated = await server.admin('POST', '/api/v1/keys/signing/rotate');
    expect(rotated.status).toBe(200);
    const listed = (await rotated.json()) as {
      items: Array<{ kid: string; purpose: string; status: string; publishUntil: string | null }>;
    };
    const signing = listed.items.filter((k) => k.purpose === 'signing');
    expect(signing.filter((k) => k.status === 'active')).toHaveLength(2);
    const retired = signing.filter((k) => k.status === 'retired');
    expect(retired.map((k) => k.kid).sort()).toEqual(before.keys.map((k) => k.kid).sort());
    for (const key of retired) expect(Date.parse(key.publishUntil!)).toBeGreaterThan(Date.now() + 3600_000);
    const after = (await (await fetch(`${server.url}/oidc/jwks`)).json()) as { keys: Array<{ kid: string }> };
    expect(after.keys).toHaveLength(4);
    // Active keys come first: oidc-provider signs with the first key of an algorithm.
    expect(
      after.keys
        .slice(0, 2)
        .map((k) => k.kid)
        .sort(),
    ).toEqual(
      signing
        .filter((k) => k.status === 'active')
        .map((k) => k.kid)
        .sort(),
    );

    // Once their tokens have expired, retired keys leave the JWKS and the sweep deletes them.
    await server.ctx.store.db.execute(sql`update key_material set publish_until = now() - interval '1 second' where status = 'retired'`);
    providerHolderFor(server.ctx).invalidate();
    expect(((await (await fetch(`${server.url}/oidc/jwks`)).json()) as { keys: unknown[] }).keys).toHaveLength(2);
    await sweepExpired(server.ctx.store.db);
    expect(await rows(server.ctx.store.db, sql`select id from key_material where status = 'retired'`)).toEqual([]);

    const cookie = await server.admin('POST', '/api/v1/keys/cookie/rotate');
    expect(cookie.status).toBe(200);
    const cookies = ((await cookie.json()) as { items: Array<{ purpose: string; status: string }> }).items.filter(
      (k) => k.purpose === 'cookie',
    );
    expect(cookies.map((k) => k.status).sort()).toEqual(['active', 'retired']);
  });
});

describe('/api/v1/applications', () => {
  it('answers the client secret once and stores only its keyed hash', async () => {
    const created = await registerApp(server, { identityProviders: [idpA] });
    expect(created.clientSecret).toMatch(/^jbcs_/);
    const read = (await (await server.admin('GET', `/api/v1/applications/${created.id}`)).json()) as Record<string, unknown>;
    expect(read.clientSecret).toBeUndefined();
    expect(read).toMatchObject({
      clientId: created.clientId,
      tokenEndpointAuthMethod: 'client_secret_basic',
      requirePkce: true,
      identityProviders: [idpA],
      issuer: `${server.url}/oidc`,
    });
    const [stored] = await rows<{ client_secret_hash: string }>(
      server.ctx.store.db,
      sql`select client_secret_hash from applications where id = ${created.id}`,
    );
    expect(stored!.client_secret_hash).toMatch(/^hmac-sha256\$/);
    expect(JSON.stringify(stored)).not.toContain(created.clientSecret);
  });

  it('refuses a public client without PKCE, an unknown IdP and a malformed sign-in flow, naming the fields', async () => {
    const publicNoPkce = await server.admin('POST', '/api/v1/applications', {
      name: 'SPA',
      redirectUris: [APP_REDIRECT],
      tokenEndpointAuthMethod: 'none',
      requirePkce: false,
    });
    expect(publicNoPkce.status).toBe(400);
    expect(await publicNoPkce.json()).toMatchObject({ code: 'validation_failed', errors: [{ field: 'requirePkce' }] });
    const unknownIdp = await server.admin('POST', '/api/v1/applications', {
      name: 'X',
      redirectUris: [APP_REDIRECT],
      identityProviders: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(unknownIdp.status).toBe(400);
    expect(await unknownIdp.json()).toMatchObject({ errors: [{ field: 'identityProviders.0' }] });
    const badFlow = await server.admin('POST', '/api/v1/applications', {
      name: 'X',
      redirectUris: [APP_REDIRECT],
      signInFlow: { steps: [{ options: [{ authenticator: 'SMS' }] }] },
    });
    expect(badFlow.status).toBe(400);
    const fragment = await server.admin('POST', '/api/v1/applications', { name: 'X', redirectUris: ['https://app.example.com/cb#x'] });
    expect(fragment.status).toBe(400);
    // oidc-provider's own client rules: a web app's redirect URI is http(s); a native app may use http only on loopback.
    const mixed = await server.admin('POST', '/api/v1/applications', {
      name: 'X',
      redirectUris: ['com.example.app:/cb', 'http://app.example.com/cb'],
    });
    expect(mixed.status).toBe(400);
    expect(await mixed.json()).toMatchObject({ errors: [{ field: 'redirectUris', message: expect.stringContaining('loopback') }] });
    const native = await server.admin('POST', '/api/v1/applications', {
      name: 'Mobile',
      redirectUris: ['com.example.app:/cb'],
      tokenEndpointAuthMethod: 'none',
    });
    expect(native.status).toBe(201);
    const list = (await (await server.admin('GET', '/api/v1/applications')).json()) as { items: Array<{ name: string }> };
    expect(list.items.map((a) => a.name)).not.toContain('SPA');
  });

  it('warns when an MFA step meets a JIT-disabled IdP, patches, regenerates the secret and deletes', async () => {
    const jitOff = await server.admin('POST', '/api/v1/identity-providers', {
      name: 'No JIT',
      protocol: 'oidc',
      oidc: { issuer: 'http://127.0.0.1:9/other', clientId: 'jb', clientSecret: 'x' },
      provisioning: { jit: { isEnabled: false } },
    });
    const jitOffId = ((await jitOff.json()) as { id: string }).id;
    const response = await server.admin('POST', '/api/v1/applications', {
      name: 'Payroll',
      redirectUris: [APP_REDIRECT],
      identityProviders: [jitOffId],
      signInFlow: { steps: [{ options: [{ idp: jitOffId }] }, { options: [{ authenticator: 'TOTP' }] }] },
    });
    expect(response.status).toBe(201);
    const app = (await response.json()) as { id: string; clientId: string; clientSecret: string; warnings: Array<{ code: string }> };
    expect(app.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'mfa_needs_local_account' })]));

    const patched = await server.admin('PATCH', `/api/v1/applications/${app.id}`, { name: 'Payroll 2', signInFlow: null });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ name: 'Payroll 2', signInFlow: { steps: [] }, clientId: app.clientId });

    const regenerated = (await (await server.admin('POST', `/api/v1/applications/${app.id}/client-secret`)).json()) as {
      clientSecret: string;
    };
    expect(regenerated.clientSecret).toMatch(/^jbcs_/);
    expect(regenerated.clientSecret).not.toBe(app.clientSecret);
    const introspect = (secret: string) =>
      fetch(`${server.url}/oidc/token/introspection`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${app.clientId}:${secret}`).toString('base64')}`,
        },
        body: 'token=nothing',
      });
    expect((await introspect(app.clientSecret)).status).toBe(401);
    const ok = await introspect(regenerated.clientSecret);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ active: false });

    expect((await server.admin('DELETE', `/api/v1/applications/${app.id}`)).status).toBe(204);
    expect((await server.admin('GET', `/api/v1/applications/${app.id}`)).status).toBe(404);
    expect((await introspect(regenerated.clientSecret)).status).toBe(401);
  });
});

describe('client authentication against the hashed secret', () => {
  it('refuses a wrong secret with invalid_client and accepts the right one', async () => {
    const app = await registerApp(server, { identityProviders: [idpA] });
    const call = (secret: string) =>
      fetch(`${server.url}/oidc/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${app.clientId}:${secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'not-a-code',
          redirect_uri: APP_REDIRECT,
          code_verifier: 'x'.repeat(43),
        }).toString(),
      });
    const wrong = await call('jbcs_wrong');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });
    const right = await call(app.clientSecret!);
    expect(right.status).toBe(400);
    expect(await right.json()).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('authorization requests that must be refused', () => {
  it('unknown client: an error page, no redirect, nothing stored', async () => {
    const before = await countOidcPayloads(server.ctx.store.db);
    const url = new URL(`${server.url}/oidc/auth`);
    url.search = new URLSearchParams({
      client_id: 'app_unknown',
      redirect_uri: APP_REDIRECT,
      response_type: 'code',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    const html = await response.text();
    expect(html).toContain('invalid_client');
    expect(html).toContain('not registered');
    expect(await countOidcPayloads(server.ctx.store.db)).toEqual(before);
  });

  it('wrong redirect URI: an error page, never a redirect to the unregistered URI', async () => {
    const app = await registerApp(server, { identityProviders: [idpA] });
    const config = await discover(server, app);
    const before = await countOidcPayloads(server.ctx.store.db);
    const { authorizationUrl } = await startLogin(config, { redirect_uri: 'https://evil.example.com/cb' });
    const response = await fetch(authorizationUrl, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('redirect_uri');
    expect(await countOidcPayloads(server.ctx.store.db)).toEqual(before);
  });

  it('PKCE missing: the app gets invalid_request, nothing stored', async () => {
    const app = await registerApp(server, { identityProviders: [idpA] });
    const config = await discover(server, app);
    const before = await countOidcPayloads(server.ctx.store.db);
    const { authorizationUrl } = await startLogin(config);
    authorizationUrl.searchParams.delete('code_challenge');
    authorizationUrl.searchParams.delete('code_challenge_method');
    const response = await fetch(authorizationUrl, { redirect: 'manual' });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(APP_REDIRECT);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
    expect(await countOidcPayloads(server.ctx.store.db)).toEqual(before);
  });

  it('public clients must use PKCE too', async () => {
    const app = await registerApp(server, { identityProviders: [idpA], tokenEndpointAuthMethod: 'none' });
    expect(app.clientSecret).toBeUndefined();
    const config = await discover(server, app);
    const { authorizationUrl } = await startLogin(config);
    authorizationUrl.searchParams.delete('code_challenge');
    authorizationUrl.searchParams.delete('code_challenge_method');
    const location = new URL((await fetch(authorizationUrl, { redirect: 'manual' })).headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });
});

describe('the login interaction', () => {
  it('an IdP the app does not allow: the app gets access_denied, no session, no tokens', async () => {
    const app = await registerApp(server, { identityProviders: [idpA] });
    const config = await discover(server, app);
    const before = await tokensAndSessions();
    const started = await startLogin(config, { idp: idpB });
    const browser = new CookieJarBrowser();
    const { response, url } = await browser.follow(started.authorizationUrl, {}, APP_REDIRECT);
    expect(response).toBeNull();
    const callback = new URL(url);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_description')).toContain('not allowed');
    expect(callback.searchParams.get('state')).toBe(started.state);
    expect(await tokensAndSessions()).toBe(before);
  });

  it('several allowed IdPs: a chooser page with labelled choices and a CSRF-protected form', async () => {
    const app = await registerApp(server, { name: 'Wiki', identityProviders: [idpA, idpB] });
    const config = await discover(server, app);
    const browser = new CookieJarBrowser();
    const { response, url } = await browser.follow((await startLogin(config)).authorizationUrl);
    expect(response!.status).toBe(200);
    expect(new URL(url).pathname).toMatch(/^\/login\/[\w-]+$/);
    expect(response!.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response!.text();
    expect(html).toContain('Corp A');
    expect(html).toContain('Corp B');
    expect(html).toContain('Wiki');
    expect(html).toMatch(/<label class="choice" for="idp-[^"]+">/);
    expect(html).not.toContain('<script');
    const css = await fetch(`${server.url}/login/assets/login.css`);
    expect(css.headers.get('content-type')).toContain('text/css');

    // A post without the CSRF token is refused; cancelling with it sends access_denied to the app.
    const forged = await browser.postForm(url, { idp: idpA });
    expect(forged.response!.status).toBe(400);
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const cancelled = await browser.postForm(`${url}/cancel`, { csrf }, APP_REDIRECT);
    expect(new URL(cancelled.url).searchParams.get('error')).toBe('access_denied');
  });

  it('a tampered interaction cookie is refused (session not found), nothing stored', async () => {
    const app = await registerApp(server, { identityProviders: [idpA, idpB] });
    const config = await discover(server, app);
    const browser = new CookieJarBrowser();
    const { url } = await browser.follow((await startLogin(config)).authorizationUrl);
    const before = await tokensAndSessions();
    const cookie = browser.cookie('jb_interaction')!;
    browser.setCookie({ ...cookie, value: `${cookie.value.slice(0, -1)}${cookie.value.endsWith('A') ? 'B' : 'A'}` });
    const tampered = await browser.request(url);
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toContain('session_not_found');
    // A cookie for one interaction does not open another.
    const other = await browser.request(url.replace(/\/login\/[\w-]+/, '/login/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'));
    expect(other.status).toBe(400);
    expect(await tokensAndSessions()).toBe(before);
  });

  it('an expired interaction is refused', async () => {
    const app = await registerApp(server, { identityProviders: [idpA, idpB] });
    const config = await discover(server, app);
    const browser = new CookieJarBrowser();
    const { url } = await browser.follow((await startLogin(config)).authorizationUrl);
    const uid = new URL(url).pathname.split('/')[2]!;
    await server.ctx.store.db.execute(
      sql`update oidc_payloads set expires_at = now() - interval '1 second' where model = 'Interaction' and id = ${uid}`,
    );
    const expired = await browser.request(url);
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain('expired');
    const resume = await fetch(`${server.url}/oidc/auth/${uid}`, { redirect: 'manual' });
    expect(resume.status).toBe(400);
  });
});
