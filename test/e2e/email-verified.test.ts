// `email_verified` as apps see it (issue #4/#5): true only when the upstream IdP vouched for the address
// (its `email_verified` claim, or the IdP is trusted for email) and nobody changed the emails since. Real
// upstream OpenID Provider, openid-client as the app, a SCIM client changing the email in between.
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  discover,
  redeem,
  registerApp,
  registerUpstreamIdp,
  signInThroughUpstream,
  startLogin,
  type RegisteredApp,
} from '../support/oidc-app.js';
import { CookieJarBrowser } from '../support/oidc-browser.js';
import { startUpstreamOp, type UpstreamOp } from '../support/upstream-op.js';
import { createScimClient, PATCH_SCHEMA, type ScimTestClient } from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let upstream: UpstreamOp;
let scim: ScimTestClient;
let config: client.Configuration;
const idps = { plain: '', trusted: '', passthrough: '' };

beforeAll(async () => {
  server = await startTestServer({ label: 'email_verified' });
  upstream = await startUpstreamOp();
  // One upstream behind three IdP registrations; each registration adds its own callback as a redirect URI.
  const callbacks: string[] = [];
  for (const [key, options] of [
    ['plain', { trustEmail: false }],
    ['trusted', { trustEmail: true }],
    ['passthrough', { trustEmail: false, jit: false }],
  ] as const) {
    idps[key] = (await registerUpstreamIdp(server, upstream, { name: `Email ${key}`, ...options })).id;
    callbacks.push(`${server.url}/federation/${idps[key]}/callback`);
  }
  for (const uri of callbacks) upstream.addRedirectUri(uri);
  const app: RegisteredApp = await registerApp(server, { name: 'Email app', identityProviders: Object.values(idps) });
  config = await discover(server, app);
  scim = await createScimClient(server);
});
afterAll(async () => {
  await server?.stop();
  await upstream?.stop();
});

async function signIn(idp: string, login: string) {
  const started = await startLogin(config, { idp });
  const tokens = await redeem(config, started, await signInThroughUpstream(new CookieJarBrowser(), started, login));
  const claims = tokens.claims()!;
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  return { tokens, claims, userinfo };
}

describe('email_verified with JIT provisioning', () => {
  it('is true when the upstream says the email is verified', async () => {
    upstream.setAccount('vera', { preferred_username: 'vera', email: 'vera@example.com', email_verified: true });
    const { claims, userinfo } = await signIn(idps.plain, 'vera');
    expect(claims).toMatchObject({ email: 'vera@example.com', email_verified: true });
    expect(userinfo).toMatchObject({ email: 'vera@example.com', email_verified: true });
  });

  it('is false when the upstream does not verify it and the IdP is not trusted for email', async () => {
    upstream.setAccount('una', { preferred_username: 'una', email: 'una@example.com', email_verified: false });
    const { claims, userinfo } = await signIn(idps.plain, 'una');
    expect(claims).toMatchObject({ email: 'una@example.com', email_verified: false });
    expect(userinfo).toMatchObject({ email_verified: false });
    // No email_verified claim at all counts the same as false.
    upstream.setAccount('nora', { preferred_username: 'nora', email: 'nora@example.com' });
    expect((await signIn(idps.plain, 'nora')).claims).toMatchObject({ email: 'nora@example.com', email_verified: false });
  });

  it('turns true once the upstream verifies the same address', async () => {
    upstream.setAccount('una', { preferred_username: 'una', email: 'una@example.com', email_verified: true });
    expect((await signIn(idps.plain, 'una')).claims).toMatchObject({ email: 'una@example.com', email_verified: true });
  });

  it('is true for an IdP trusted for email, without an email_verified claim', async () => {
    upstream.setAccount('tess', { preferred_username: 'tess', email: 'tess@example.com', email_verified: false });
    const { claims, userinfo } = await signIn(idps.trusted, 'tess');
    expect(claims).toMatchObject({ email: 'tess@example.com', email_verified: true });
    expect(userinfo).toMatchObject({ email_verified: true });
  });

  it('is false once a SCIM client changes the email, and never shows SCIM clients a verified flag', async () => {
    upstream.setAccount('walt', { preferred_username: 'walt', email: 'walt@example.com', email_verified: true });
    const { tokens, claims } = await signIn(idps.plain, 'walt');
    expect(claims.email_verified).toBe(true);
    const id = claims.sub;
    const before = await scim.json('GET', `/Users/${id}`);
    expect(before.status).toBe(200);
    expect(JSON.stringify(before.body.emails)).not.toMatch(/verified/i);

    // A SCIM write that leaves the emails alone leaves the IdP's word standing.
    const renamed = await scim.json('PATCH', `/Users/${id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', path: 'displayName', value: 'Walt W.' }],
    });
    expect(renamed.status).toBe(200);
    expect(await client.fetchUserInfo(config, tokens.access_token, id)).toMatchObject({ email: 'walt@example.com', email_verified: true });

    const changed = await scim.json('PATCH', `/Users/${id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', path: 'emails', value: [{ value: 'walt@elsewhere.example', type: 'work', primary: true }] }],
    });
    expect(changed.status).toBe(200);
    const info = await client.fetchUserInfo(config, tokens.access_token, id);
    expect(info).toMatchObject({ email: 'walt@elsewhere.example', email_verified: false });
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.claims()).toMatchObject({ email: 'walt@elsewhere.example', email_verified: false });

    // Writing the same address back over SCIM does not make it verified either: the IdP did not say so again.
    await scim.json('PATCH', `/Users/${id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', path: 'emails', value: [{ value: 'walt@example.com', type: 'work', primary: true }] }],
    });
    expect(await client.fetchUserInfo(config, tokens.access_token, id)).toMatchObject({ email: 'walt@example.com', email_verified: false });

    // The next login through the IdP writes the IdP's address again, vouched for.
    const again = await signIn(idps.plain, 'walt');
    expect(again.claims).toMatchObject({ sub: id, email: 'walt@example.com', email_verified: true });
  });
});

describe('email_verified with JIT off (claims passed through)', () => {
  it('hands on the upstream’s verification', async () => {
    upstream.setAccount('pia', { preferred_username: 'pia', email: 'pia@example.com', email_verified: true });
    upstream.setAccount('pat', { preferred_username: 'pat', email: 'pat@example.com', email_verified: false });
    const pia = await signIn(idps.passthrough, 'pia');
    expect(pia.claims).toMatchObject({ email: 'pia@example.com', email_verified: true });
    expect(pia.userinfo).toMatchObject({ email: 'pia@example.com', email_verified: true });
    const pat = await signIn(idps.passthrough, 'pat');
    expect(pat.claims).toMatchObject({ email: 'pat@example.com', email_verified: false });
    expect(pat.userinfo).toMatchObject({ email_verified: false });
  });
});
