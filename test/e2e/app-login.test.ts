// An app signs a person in through jitbridge, brokered to a real upstream OpenID Provider: openid-client
// plays the app, a cookie-jar browser follows the redirects and posts the upstream login form. Covers JIT
// provisioning (sub = SCIM id, claims from the SCIM user), refresh rotation, userinfo, introspection,
// revocation, replayed code, wrong PKCE verifier, RP-initiated logout, JIT off (pairwise sub, nothing
// stored), an upstream refusal shown to the person, and two instances sharing one database.
import { sql } from 'drizzle-orm';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/store/database.js';
import {
  APP_LOGOUT_REDIRECT,
  APP_REDIRECT,
  discover,
  redeem,
  registerApp,
  registerUpstreamIdp,
  signInThroughUpstream,
  startLogin,
  type RegisteredApp,
} from '../support/oidc-app.js';
import { CookieJarBrowser, formAction, hiddenField } from '../support/oidc-browser.js';
import { createScimClient, GROUP_SCHEMA } from '../support/scim-client.js';
import { startUpstreamOp, UPSTREAM_PASSWORD, type UpstreamOp } from '../support/upstream-op.js';
import { startTestServer, type TestServer } from '../support/server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let server: TestServer;
let upstream: UpstreamOp;
let idpId: string;
let app: RegisteredApp;
let config: client.Configuration;

beforeAll(async () => {
  server = await startTestServer({ label: 'app_login' });
  upstream = await startUpstreamOp();
  upstream.setAccount('alice', {
    email: 'alice@example.com',
    email_verified: true,
    given_name: 'Alice',
    family_name: 'Liddell',
    name: 'Alice Liddell',
    preferred_username: 'alice',
  });
  upstream.setAccount('bob', {
    email: 'bob@example.com',
    email_verified: true,
    given_name: 'Bob',
    family_name: 'Builder',
    name: 'Bob Builder',
    preferred_username: 'bob',
  });
  idpId = (await registerUpstreamIdp(server, upstream, { name: 'Example Corp' })).id;
  app = await registerApp(server, { identityProviders: [idpId] });
  config = await discover(server, app);
});
afterAll(async () => {
  await server?.stop();
  await upstream?.stop();
});

const count = async (table: 'users' | 'federated_identities') =>
  (await rows<{ n: number }>(server.ctx.store.db, sql`select count(*)::int as n from ${sql.identifier(table)}`))[0]!.n;

describe('brokered login with JIT provisioning', () => {
  let tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
  let sub: string;

  it('signs a person in: the ID token carries the provisioned user’s id and claims, amr and acr from upstream', async () => {
    const browser = new CookieJarBrowser();
    const started = await startLogin(config);
    const callback = await signInThroughUpstream(browser, started, 'alice');
    tokens = await redeem(config, started, callback);
    const claims = tokens.claims()!;
    sub = claims.sub;
    expect(sub).toMatch(UUID);
    const [user] = await rows<{ user_name: string; primary_email: string }>(
      server.ctx.store.db,
      sql`select user_name, primary_email from users where id = ${sub}`,
    );
    expect(user).toEqual({ user_name: 'alice', primary_email: 'alice@example.com' });
    expect(claims).toMatchObject({
      iss: `${server.url}/oidc`,
      aud: app.clientId,
      email: 'alice@example.com',
      name: 'Alice Liddell',
      given_name: 'Alice',
      family_name: 'Liddell',
      preferred_username: 'alice',
      amr: upstream.authn.amr,
      acr: upstream.authn.acr,
    });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/oidc_sign_ins_total\{result="signed_in"\} [1-9]/);
    // The redirects went app → /oidc/auth → upstream → /federation/callback → /oidc/auth/<uid> → app: the only IdP
    // started at the authorization endpoint, and the callback finished the interaction in place.
    const jitbridge = browser.hops.filter((h) => h.url.startsWith(server.url)).map((h) => new URL(h.url).pathname);
    expect(jitbridge).toEqual(['/oidc/auth', `/federation/${idpId}/callback`, expect.stringMatching(/^\/oidc\/auth\/[\w-]+$/)]);
  });

  it('the `idp` parameter picks one of several allowed IdPs without the chooser', async () => {
    const dummy = await server.admin('POST', '/api/v1/identity-providers', {
      name: 'Never used',
      protocol: 'oidc',
      oidc: { issuer: 'http://127.0.0.1:9/never', clientId: 'x', clientSecret: 'y' },
    });
    const dummyId = ((await dummy.json()) as { id: string }).id;
    const two = await registerApp(server, { name: 'Two IdPs', identityProviders: [dummyId, idpId] });
    const twoConfig = await discover(server, two);
    const started = await startLogin(twoConfig, { idp: idpId });
    const browser = new CookieJarBrowser();
    const tokens = await redeem(twoConfig, started, await signInThroughUpstream(browser, started, 'alice'));
    expect(tokens.claims()!.sub).toBe(sub);
    expect(browser.hops.filter((h) => h.status === 200 && new URL(h.url).pathname.startsWith('/login/'))).toEqual([]);
  });

  it('answers userinfo with the same claims', async () => {
    const info = await client.fetchUserInfo(config, tokens.access_token, sub);
    expect(info).toMatchObject({ sub, email: 'alice@example.com', preferred_username: 'alice', name: 'Alice Liddell' });
  });

  it('carries the groups the user belongs to (display names, sorted) in the ID token and at userinfo', async () => {
    const scim = await createScimClient(server);
    for (const displayName of ['Payroll', 'Engineering']) {
      const created = await scim.json('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName, members: [{ value: sub }] });
      expect(created.status).toBe(201);
    }
    const started = await startLogin(config);
    const fresh = await redeem(config, started, await signInThroughUpstream(new CookieJarBrowser(), started, 'alice'));
    expect(fresh.claims()!.groups).toEqual(['Engineering', 'Payroll']);
    expect((await client.fetchUserInfo(config, fresh.access_token, sub)).groups).toEqual(['Engineering', 'Payroll']);
    // Without the `groups` scope, no groups claim.
    const narrow = await startLogin(config, { scope: 'openid email' });
    const narrowTokens = await redeem(config, narrow, await signInThroughUpstream(new CookieJarBrowser(), narrow, 'alice'));
    expect(narrowTokens.claims()!.groups).toBeUndefined();
  });

  it('rotates refresh tokens: the new one works, the old one is refused', async () => {
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.claims()!.sub).toBe(sub);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('introspects and revokes for the confidential app', async () => {
    const browser = new CookieJarBrowser();
    const started = await startLogin(config);
    const fresh = await redeem(config, started, await signInThroughUpstream(browser, started, 'alice'));
    const active = await client.tokenIntrospection(config, fresh.access_token);
    expect(active).toMatchObject({ active: true, sub, client_id: app.clientId });
    await client.tokenRevocation(config, fresh.access_token);
    expect(await client.tokenIntrospection(config, fresh.access_token)).toEqual({ active: false });
  });

  it('a returning person gets the same sub and no new user', async () => {
    const users = await count('users');
    const browser = new CookieJarBrowser();
    const started = await startLogin(config);
    const again = await redeem(config, started, await signInThroughUpstream(browser, started, 'alice'));
    expect(again.claims()!.sub).toBe(sub);
    expect(await count('users')).toBe(users);
  });

  it('refuses a replayed code (and revokes what the first use issued) and a wrong PKCE verifier', async () => {
    const browser = new CookieJarBrowser();
    const started = await startLogin(config);
    const callback = await signInThroughUpstream(browser, started, 'bob');
    const first = await redeem(config, started, callback);
    await expect(redeem(config, started, callback)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await client.tokenIntrospection(config, first.access_token)).toEqual({ active: false });

    const second = await startLogin(config);
    const secondCallback = await signInThroughUpstream(new CookieJarBrowser(), second, 'bob');
    await expect(
      client.authorizationCodeGrant(config, new URL(secondCallback), {
        pkceCodeVerifier: client.randomPKCECodeVerifier(),
        expectedState: second.state,
        expectedNonce: second.nonce,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('signs out through RP-initiated logout and returns to the registered URI', async () => {
    const browser = new CookieJarBrowser();
    const started = await startLogin(config);
    const signedIn = await redeem(config, started, await signInThroughUpstream(browser, started, 'alice'));
    const endSession = client.buildEndSessionUrl(config, {
      id_token_hint: signedIn.id_token!,
      post_logout_redirect_uri: APP_LOGOUT_REDIRECT,
      state: 'bye',
    });
    const prompt = await browser.follow(endSession);
    expect(prompt.response!.status).toBe(200);
    const html = await prompt.response!.text();
    expect(html).toContain('Sign out?');
    const done = await browser.postForm(
      formAction(html, prompt.url),
      { xsrf: hiddenField(html, 'xsrf'), logout: 'yes' },
      APP_LOGOUT_REDIRECT,
    );
    expect(new URL(done.url).searchParams.get('state')).toBe('bye');
    expect(browser.cookie('jb_session')).toBeUndefined();
  });
});

describe('signing key rotation', () => {
  it('an ID token signed before a rotation still verifies at the JWKS; new tokens use the new key', async () => {
    const jwks = createRemoteJWKSet(new URL(`${server.url}/oidc/jwks`));
    const login = async () => {
      const started = await startLogin(config);
      return (await redeem(config, started, await signInThroughUpstream(new CookieJarBrowser(), started, 'alice'))).id_token!;
    };
    const before = await login();
    expect((await jwtVerify(before, jwks, { issuer: `${server.url}/oidc`, audience: app.clientId })).payload.preferred_username).toBe(
      'alice',
    );
    expect((await server.admin('POST', '/api/v1/keys/signing/rotate')).status).toBe(200);
    const after = await login();
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    const fresh = createRemoteJWKSet(new URL(`${server.url}/oidc/jwks`));
    for (const token of [before, after])
      expect((await jwtVerify(token, fresh, { issuer: `${server.url}/oidc`, audience: app.clientId })).payload.sub).toMatch(UUID);
  });
});

describe('single sign-on across apps', () => {
  it('reuses the session only for apps that allow the IdP it was made with', async () => {
    const other = await startUpstreamOp();
    try {
      const otherIdp = await registerUpstreamIdp(server, other, { name: 'Other Corp' });
      const browser = new CookieJarBrowser();
      const first = await startLogin(config);
      await redeem(config, first, await signInThroughUpstream(browser, first, 'alice'));

      // An app that allows both IdPs: straight back with a code, no upstream login.
      const both = await discover(server, await registerApp(server, { name: 'Both', identityProviders: [otherIdp.id, idpId] }));
      const sso = await startLogin(both);
      const ssoLanding = await browser.follow(sso.authorizationUrl, {}, APP_REDIRECT);
      expect(ssoLanding.response).toBeNull();
      expect((await redeem(both, sso, ssoLanding.url)).claims()!.preferred_username).toBe('alice');

      // The same app asking for the other IdP, and an app that allows only the other IdP: a new upstream login.
      for (const [appConfig, params] of [
        [both, { idp: otherIdp.id }],
        [await discover(server, await registerApp(server, { name: 'Other only', identityProviders: [otherIdp.id] })), {}],
      ] as const) {
        const started = await startLogin(appConfig, params);
        const landing = await browser.follow(started.authorizationUrl, {}, APP_REDIRECT);
        expect(landing.response).not.toBeNull();
        expect(new URL(landing.url).origin).toBe(other.issuer);
      }
    } finally {
      await other.stop();
    }
  });
});

describe('JIT off: pairwise subject, nothing stored', () => {
  it('hands the mapped claims to the app and leaves the user tables unchanged', async () => {
    const noJitUpstream = await startUpstreamOp();
    try {
      noJitUpstream.setAccount('carol', {
        email: 'carol@partner.example',
        email_verified: true,
        given_name: 'Carol',
        family_name: 'Danvers',
        name: 'Carol Danvers',
        preferred_username: 'carol',
      });
      const noJit = await registerUpstreamIdp(server, noJitUpstream, { name: 'Partner (no JIT)', jit: false });
      const partnerApp = await registerApp(server, { name: 'Partner portal', identityProviders: [noJit.id] });
      const partnerConfig = await discover(server, partnerApp);
      const before = { users: await count('users'), links: await count('federated_identities') };
      const snapshot = await rows(server.ctx.store.db, sql`select id, version from users order by id`);

      const login = async () => {
        const started = await startLogin(partnerConfig);
        return redeem(partnerConfig, started, await signInThroughUpstream(new CookieJarBrowser(), started, 'carol'));
      };
      const first = await login();
      const claims = first.claims()!;
      expect(claims.sub).not.toMatch(UUID);
      expect(claims.sub).toMatch(/^[\w-]{43}$/);
      expect(claims).toMatchObject({
        email: 'carol@partner.example',
        given_name: 'Carol',
        family_name: 'Danvers',
        preferred_username: 'carol',
        amr: noJitUpstream.authn.amr,
      });
      expect(await client.fetchUserInfo(partnerConfig, first.access_token, claims.sub)).toMatchObject({ email: 'carol@partner.example' });
      // Stable: the same person gets the same pairwise sub next time.
      expect((await login()).claims()!.sub).toBe(claims.sub);

      expect({ users: await count('users'), links: await count('federated_identities') }).toEqual(before);
      expect(await rows(server.ctx.store.db, sql`select id, version from users order by id`)).toEqual(snapshot);
      const text = JSON.stringify(await rows(server.ctx.store.db, sql`select resource from users`));
      expect(text).not.toContain('carol');
    } finally {
      await noJitUpstream.stop();
    }
  });
});

describe('non-blocking JIT', () => {
  it('signs the person in while the durable job provisions; sub is the id the job will write', async () => {
    const laterUpstream = await startUpstreamOp();
    try {
      laterUpstream.setAccount('dave', { email: 'dave@example.com', email_verified: true, preferred_username: 'dave', name: 'Dave Later' });
      const created = await server.admin('POST', '/api/v1/identity-providers', {
        name: 'Later Corp',
        protocol: 'oidc',
        oidc: { issuer: laterUpstream.issuer, clientId: laterUpstream.clientId, clientSecret: laterUpstream.clientSecret },
        provisioning: { jit: { isEnabled: true, mode: 'non-blocking' } },
      });
      const laterId = ((await created.json()) as { id: string }).id;
      laterUpstream.setRedirectUri(`${server.url}/federation/${laterId}/callback`);
      const laterApp = await registerApp(server, { name: 'Later app', identityProviders: [laterId] });
      const laterConfig = await discover(server, laterApp);
      const started = await startLogin(laterConfig);
      const tokens = await redeem(laterConfig, started, await signInThroughUpstream(new CookieJarBrowser(), started, 'dave'));
      const sub = tokens.claims()!.sub;
      expect(sub).toMatch(UUID);
      // The background worker is off in tests: the user is not written yet, the job waits with this id.
      expect(await rows(server.ctx.store.db, sql`select id from users where id = ${sub}`)).toEqual([]);
      const jobs = await rows<{ payload: { userId: string } }>(
        server.ctx.store.db,
        sql`select payload from jobs where queue = 'jit.provision' and status = 'pending'`,
      );
      expect(jobs.map((j) => j.payload.userId)).toContain(sub);
    } finally {
      await laterUpstream.stop();
    }
  });
});

describe('the callback finishes the sign-in in place only in the browser that began it', () => {
  /** Up to the upstream's answer: the browser stops at jitbridge's callback URL without following it. */
  async function upToCallback(browser: CookieJarBrowser, started: Awaited<ReturnType<typeof startLogin>>, login: string) {
    const landing = await browser.follow(started.authorizationUrl);
    const html = await landing.response!.text();
    const back = await browser.postForm(formAction(html, landing.url), { login, password: UPSTREAM_PASSWORD }, `${server.url}/federation/`);
    expect(back.response).toBeNull();
    return back.url;
  }

  it('a callback URL opened in another browser signs nobody in, and the flow cannot be used again', async () => {
    // The browser that began the sign-in (say an attacker's) stops at the callback; another browser (a victim's)
    // opens that URL: it holds neither the flow-binding cookie nor the interaction cookie.
    const starter = new CookieJarBrowser();
    const started = await startLogin(config);
    const callbackUrl = await upToCallback(starter, started, 'alice');
    const other = new CookieJarBrowser();
    const opened = await other.follow(callbackUrl, {}, APP_REDIRECT);
    expect(opened.response?.status).toBe(400);
    expect(await opened.response!.text()).toContain('This sign-in has expired');
    expect(other.hops.map((h) => new URL(h.url).pathname)).toEqual([
      `/federation/${idpId}/callback`,
      expect.stringMatching(/^\/login\/[\w-]+\/federated$/),
    ]);
    // The starter got nothing out of it: the flow is used up, and its interaction was not finished (resuming it
    // sends the browser to the upstream again instead of answering the app).
    const again = await starter.follow(callbackUrl, {}, APP_REDIRECT);
    expect(again.response?.status).toBe(400);
    const resume = await starter.request(`${server.url}${starter.cookie('jb_resume')!.path}`);
    expect(resume.status).toBe(303);
    expect(resume.headers.get('location')).toMatch(new RegExp(`^${upstream.issuer}/auth\\?`));
  });

  it('a second sign-in in another tab replaces the cookie; the first tab finishes the slower way', async () => {
    const browser = new CookieJarBrowser();
    const first = await startLogin(config);
    const firstLanding = await browser.follow(first.authorizationUrl);
    const firstForm = formAction(await firstLanding.response!.text(), firstLanding.url);
    const second = await startLogin(config);
    const secondLanding = await browser.follow(second.authorizationUrl);
    const secondForm = formAction(await secondLanding.response!.text(), secondLanding.url);

    const hopsBefore = browser.hops.length;
    const firstBack = await browser.postForm(firstForm, { login: 'alice', password: UPSTREAM_PASSWORD }, APP_REDIRECT);
    const firstPaths = browser.hops.slice(hopsBefore).map((h) => new URL(h.url).pathname);
    expect(firstPaths.some((p) => /^\/login\/[\w-]+\/federated$/.test(p))).toBe(true);
    expect((await redeem(config, first, firstBack.url)).claims()!.preferred_username).toBe('alice');

    const secondBack = await browser.postForm(secondForm, { login: 'alice', password: UPSTREAM_PASSWORD }, APP_REDIRECT);
    expect((await redeem(config, second, secondBack.url)).claims()!.preferred_username).toBe('alice');
  });
});

describe('a refusal a person can meet', () => {
  it('shows a plain page naming the problem; its link hands the app access_denied with a description', async () => {
    const store = await server.admin('POST', '/api/v1/user-stores', { domain: 'STRICT', usernameRegex: '^[a-z]{3,8}$' });
    expect(store.status).toBe(201);
    const strictUpstream = await startUpstreamOp();
    try {
      strictUpstream.setAccount('robert', { email: 'robert@example.com', email_verified: true, preferred_username: 'Robert.Tables' });
      const strict = await server.admin('POST', '/api/v1/identity-providers', {
        name: 'Strict Corp',
        protocol: 'oidc',
        oidc: { issuer: strictUpstream.issuer, clientId: strictUpstream.clientId, clientSecret: strictUpstream.clientSecret },
        provisioning: { jit: { isEnabled: true, userstore: 'STRICT' } },
      });
      const strictId = ((await strict.json()) as { id: string }).id;
      strictUpstream.setRedirectUri(`${server.url}/federation/${strictId}/callback`);
      const strictApp = await registerApp(server, { name: 'Expenses', identityProviders: [strictId] });
      const strictConfig = await discover(server, strictApp);
      const users = await count('users');

      const browser = new CookieJarBrowser();
      const started = await startLogin(strictConfig);
      const landing = await browser.follow(started.authorizationUrl);
      const html = await landing.response!.text();
      const page = await browser.postForm(formAction(html, landing.url), { login: 'robert', password: UPSTREAM_PASSWORD });
      expect(page.response!.status).toBe(403);
      const body = await page.response!.text();
      expect(body).toContain('You could not be signed in');
      expect(body).toContain('Return to Expenses');
      const back = /<a class="button" href="([^"]+)"/.exec(body)![1]!.replace(/&amp;/g, '&');
      const atApp = await browser.follow(new URL(back, page.url), {}, APP_REDIRECT);
      const callback = new URL(atApp.url);
      expect(callback.searchParams.get('error')).toBe('access_denied');
      expect(callback.searchParams.get('error_description')).toBeTruthy();
      expect(callback.searchParams.get('state')).toBe(started.state);
      expect(await count('users')).toBe(users);
    } finally {
      await strictUpstream.stop();
    }
  });
});

describe('two instances on one database', () => {
  it('an IdP disabled through one instance: neither instance starts a login with it any more; one already upstream is refused at the callback', async () => {
    const second = await startTestServer({ database: server.database, config: { publicUrl: server.url } });
    const own = await startUpstreamOp();
    try {
      own.setAccount('carol', { email: 'carol@example.com', email_verified: true, preferred_username: 'carol' });
      const ownIdp = await registerUpstreamIdp(server, own, { name: 'Soon Disabled Corp' });
      const ownApp = await registerApp(server, { name: 'Rota', identityProviders: [ownIdp.id] });
      const ownConfig = await discover(server, ownApp);
      const onSecond = (url: URL) => new URL(url.toString().replace(server.url, second.url));
      // A login begun on the second instance before the IdP is disabled: the person is at the upstream already.
      const browser = new CookieJarBrowser();
      const landing = await browser.follow(onSecond((await startLogin(ownConfig)).authorizationUrl));
      expect(landing.url.startsWith(own.issuer)).toBe(true);

      expect((await server.admin('PATCH', `/api/v1/identity-providers/${ownIdp.id}`, { enabled: false })).status).toBe(200);
      const users = await count('users');

      // The start reads the IdP from the store: no upstream login starts on either instance, the person is told why.
      for (const at of [(url: URL) => url, onSecond]) {
        const here = await new CookieJarBrowser().follow(at((await startLogin(ownConfig)).authorizationUrl));
        expect(here.url.startsWith(`${server.url}/login/`) || here.url.startsWith(`${second.url}/login/`)).toBe(true);
        expect(here.response!.status).toBe(403);
      }

      // The login already upstream comes back; the callback reads the IdP afresh and refuses.
      const html = await landing.response!.text();
      const refused = await browser.postForm(formAction(html, landing.url), { login: 'carol', password: UPSTREAM_PASSWORD });
      expect(refused.url.startsWith(`${server.url}/federation/${ownIdp.id}/callback`)).toBe(true);
      expect(refused.response!.status).toBe(403);
      expect(await refused.response!.text()).toContain('disabled');
      expect(await count('users')).toBe(users);
    } finally {
      await second.stop();
      await own.stop();
    }
  });

  it('finishes on the second instance a login begun on the first', async () => {
    const second = await startTestServer({ database: server.database, config: { publicUrl: server.url } });
    try {
      const browser = new CookieJarBrowser();
      const started = await startLogin(config);
      const landing = await browser.follow(started.authorizationUrl);
      const html = await landing.response!.text();
      // The upstream sends the browser back to PUBLIC_URL; the "load balancer" routes it to the second instance.
      const back = await browser.postForm(
        formAction(html, landing.url),
        { login: 'bob', password: UPSTREAM_PASSWORD },
        `${server.url}/federation/`,
      );
      expect(back.response).toBeNull();
      const onSecond = back.url.replace(server.url, second.url);
      const finished = await browser.follow(onSecond, {}, APP_REDIRECT);
      expect(finished.response).toBeNull();
      // The second instance finished the interaction the first one began, at the callback.
      const onSecondHop = browser.hops.find((h) => h.url.startsWith(`${second.url}/federation/`));
      expect(onSecondHop).toMatchObject({ status: 303, location: expect.stringMatching(/\/oidc\/auth\/[\w-]+$/) });
      const tokens = await redeem(config, started, finished.url);
      expect(tokens.claims()).toMatchObject({ preferred_username: 'bob', iss: `${server.url}/oidc` });
    } finally {
      await second.stop();
    }
  });
});
