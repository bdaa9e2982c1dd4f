// A JIT user that an admin deactivated (SCIM active=false) or locked signs in again through the upstream IdP:
// a clear refusal page and access_denied to the app (it used to end in a 500 at /oidc/auth/<uid>, because
// oidc-provider found no account at the resume). Reactivated, the same person signs in again.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/store/schema/index.js';
import {
  APP_REDIRECT,
  discover,
  redeem,
  registerApp,
  registerUpstreamIdp,
  signInThroughUpstream,
  startLogin,
} from '../support/oidc-app.js';
import { CookieJarBrowser, formAction } from '../support/oidc-browser.js';
import { startUpstreamOp, UPSTREAM_PASSWORD, type UpstreamOp } from '../support/upstream-op.js';
import { createScimClient, PATCH_SCHEMA, type ScimTestClient } from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let upstream: UpstreamOp;
let scim: ScimTestClient;
let config: Awaited<ReturnType<typeof discover>>;

beforeAll(async () => {
  server = await startTestServer({ label: 'inactive_sign_in' });
  scim = await createScimClient(server, { name: 'admin tool' });
  upstream = await startUpstreamOp();
  for (const name of ['ivy', 'lee'])
    upstream.setAccount(name, { email: `${name}@example.com`, email_verified: true, name, preferred_username: name });
  const idp = await registerUpstreamIdp(server, upstream, { name: 'Example Corp' });
  config = await discover(server, await registerApp(server, { identityProviders: [idp.id] }));
});
afterAll(async () => {
  await server?.stop();
  await upstream?.stop();
});

const setActive = async (id: string, active: boolean) =>
  expect(
    (await scim.json('PATCH', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: active }] }))
      .status,
  ).toBe(200);

/** Signs in through the upstream; returns the refusal page and where its "back" link leads. */
async function refusedSignIn(login: string) {
  const browser = new CookieJarBrowser();
  const started = await startLogin(config);
  const landing = await browser.follow(started.authorizationUrl, {}, APP_REDIRECT);
  const back = await browser.postForm(
    formAction(await landing.response!.text(), landing.url),
    { login, password: UPSTREAM_PASSWORD },
    APP_REDIRECT,
  );
  expect(back.response, 'a page, not the app').not.toBeNull();
  const status = back.response!.status;
  const html = await back.response!.text();
  const backUrl = /href="([^"]*oidc[^"]*)"/.exec(html)![1]!.replace(/&amp;/g, '&');
  const toApp = await browser.follow(new URL(backUrl, back.url), {}, APP_REDIRECT);
  return { status, html, appError: new URL(toApp.url).searchParams.get('error') };
}

describe('deactivated and locked JIT users', () => {
  it('active=false → refusal page naming the reason, access_denied to the app; active again → signed in', async () => {
    const first = startLogin(config);
    const callback = await signInThroughUpstream(new CookieJarBrowser(), await first, 'ivy');
    const sub = (await redeem(config, await first, callback)).claims()!.sub;
    await setActive(sub, false);

    const refused = await refusedSignIn('ivy');
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('not active');
    expect(refused.appError).toBe('access_denied');

    await setActive(sub, true);
    const again = await startLogin(config);
    const ok = await signInThroughUpstream(new CookieJarBrowser(), again, 'ivy');
    expect((await redeem(config, again, ok)).claims()!.sub).toBe(sub);
  });

  it('a locked user is refused the same way', async () => {
    const started = await startLogin(config);
    const sub = (await redeem(config, started, await signInThroughUpstream(new CookieJarBrowser(), started, 'lee'))).claims()!.sub;
    await server.ctx.store.db.update(users).set({ locked: true }).where(eq(users.id, sub));
    const refused = await refusedSignIn('lee');
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('locked');
    expect(refused.appError).toBe('access_denied');
  });
});
