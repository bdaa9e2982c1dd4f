// An app signs a person in through jitbridge brokered to a SAML 2.0 IdP (samlify's IdP side): the app
// still speaks OpenID Connect (openid-client), the person signs in on the SAML IdP's form, the signed
// assertion is posted to jitbridge's ACS, JIT provisions, and the ID token carries the SCIM user's claims.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/store/database.js';
import { APP_REDIRECT, discover, redeem, registerApp, startLogin } from '../support/oidc-app.js';
import { CookieJarBrowser, formAction } from '../support/oidc-browser.js';
import { startSamlIdp, type TestSamlIdp } from '../support/saml-idp.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let idp: TestSamlIdp;
beforeAll(async () => {
  [server, idp] = await Promise.all([startTestServer({ label: 'app_login_saml' }), startSamlIdp()]);
});
afterAll(async () => {
  await Promise.all([server?.stop(), idp?.stop()]);
});

/** The hidden fields of a form, by name. */
const hiddenFields = (html: string) =>
  Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [
      m[1]!,
      m[2]!
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
    ]),
  );

describe('brokered to a SAML IdP', () => {
  it('provisions the person and answers the app with an ID token carrying the SCIM user’s claims', async () => {
    const created = await server.admin('POST', '/api/v1/identity-providers', {
      name: 'Example SAML',
      protocol: 'saml',
      trustEmail: true,
      saml: { metadata: idp.metadata },
    });
    expect(created.status).toBe(201);
    const idpId = ((await created.json()) as { id: string }).id;
    idp.users.set('erin', {
      nameId: 'erin-persistent-id',
      attributes: { uid: 'erin', mail: 'erin@example.com', givenName: 'Erin', sn: 'Example', displayName: 'Erin Example' },
    });
    const app = await registerApp(server, { name: 'Handbook', identityProviders: [idpId] });
    const config = await discover(server, app);
    const started = await startLogin(config);

    const browser = new CookieJarBrowser();
    const loginForm = await browser.follow(started.authorizationUrl);
    expect(new URL(loginForm.url).origin).toBe(idp.url);
    const loginHtml = await loginForm.response!.text();
    const autoPost = await browser.postForm(formAction(loginHtml, loginForm.url), {
      ...hiddenFields(loginHtml),
      login: 'erin',
      password: 'x',
    });
    const postHtml = await autoPost.response!.text();
    const acs = formAction(postHtml, autoPost.url);
    expect(acs).toBe(`${server.url}/federation/${idpId}/saml/acs`);
    const back = await browser.postForm(acs, hiddenFields(postHtml), APP_REDIRECT);
    expect(back.response).toBeNull();

    const tokens = await redeem(config, started, back.url);
    const claims = tokens.claims()!;
    const [user] = await rows<{ user_name: string }>(server.ctx.store.db, sql`select user_name from users where id = ${claims.sub}`);
    expect(user).toEqual({ user_name: 'erin' });
    expect(claims).toMatchObject({
      email: 'erin@example.com',
      given_name: 'Erin',
      family_name: 'Example',
      name: 'Erin Example',
      preferred_username: 'erin',
    });
  });
});
