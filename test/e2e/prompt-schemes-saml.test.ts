// A prompting JIT scheme behind a SAML 2.0 IdP (samlify's IdP side): the signed assertion posted to the ACS
// pauses the login like an OIDC callback does, the person sets a password on the prompt page, and the app
// (openid-client) receives its token for the new user. Cookie-jar browser: the SAML IdP's auto-post form
// needs JavaScript (the Chromium tests of the pages are in prompt-schemes.test.ts).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/store/database.js';
import { APP_REDIRECT, discover, redeem, registerApp, startLogin } from '../support/oidc-app.js';
import { CookieJarBrowser, formAction, hiddenField } from '../support/oidc-browser.js';
import { startSamlIdp, type TestSamlIdp } from '../support/saml-idp.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let idp: TestSamlIdp;
beforeAll(async () => {
  [server, idp] = await Promise.all([startTestServer({ label: 'prompt_schemes_saml' }), startSamlIdp()]);
});
afterAll(async () => {
  await Promise.all([server?.stop(), idp?.stop()]);
});

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

const userCount = async () => (await rows<{ n: number }>(server.ctx.store.db, sql`select count(*)::int as n from users`))[0]!.n;

describe('PROMPT_PASSWORD_CONSENT behind a SAML IdP', () => {
  it('pauses at the ACS, asks for the password, then signs the app in as the new user', async () => {
    const created = await server.admin('POST', '/api/v1/identity-providers', {
      name: 'Example SAML',
      protocol: 'saml',
      trustEmail: true,
      saml: { metadata: idp.metadata },
      provisioning: { jit: { isEnabled: true, scheme: 'PROMPT_PASSWORD_CONSENT' } },
    });
    expect(created.status).toBe(201);
    const idpId = ((await created.json()) as { id: string }).id;
    idp.users.set('sara', {
      nameId: 'sara-persistent-id',
      attributes: { uid: 'sara', mail: 'sara@example.com', givenName: 'Sara', sn: 'Example', displayName: 'Sara Example' },
    });
    const app = await registerApp(server, { name: 'Handbook', identityProviders: [idpId] });
    const config = await discover(server, app);
    const started = await startLogin(config);

    const browser = new CookieJarBrowser();
    const loginForm = await browser.follow(started.authorizationUrl);
    const loginHtml = await loginForm.response!.text();
    const autoPost = await browser.postForm(formAction(loginHtml, loginForm.url), {
      ...hiddenFields(loginHtml),
      login: 'sara',
      password: 'x',
    });
    const postHtml = await autoPost.response!.text();
    const users = await userCount();
    const prompt = await browser.postForm(formAction(postHtml, autoPost.url), hiddenFields(postHtml), APP_REDIRECT);
    expect(prompt.response!.status).toBe(200);
    expect(new URL(prompt.url).pathname).toMatch(/^\/login\/[^/]+\/provision$/);
    const html = await prompt.response!.text();
    expect(html).toContain('Handbook');
    expect(html).toContain('name="password"');
    expect(await userCount()).toBe(users);

    const done = await browser.postForm(
      formAction(html, prompt.url),
      { csrf: hiddenField(html, 'csrf'), password: 'copper-lagoon-sparrow', confirmation: 'copper-lagoon-sparrow', decision: 'approve' },
      APP_REDIRECT,
    );
    expect(done.response).toBeNull();
    const claims = (await redeem(config, started, done.url)).claims()!;
    const [user] = await rows<{ user_name: string; password_hash: string | null }>(
      server.ctx.store.db,
      sql`select user_name, password_hash from users where id = ${claims.sub}`,
    );
    expect(user!.user_name).toBe('sara');
    expect(user!.password_hash).toMatch(/^scrypt\$/);
    expect(await userCount()).toBe(users + 1);
  });
});
