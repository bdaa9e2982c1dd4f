// A sign-in paused on provisioning prompts (JIT scheme PROMPT_PASSWORD_CONSENT): the interaction hands the
// browser to the prompt pages (src/login) and, when the person has answered, finishes as the new user with
// the upstream amr/acr. This test plays the federation edge's part (the whole flow through a real upstream
// is test/e2e/prompt-schemes.test.ts): it pauses the identity and writes the `pending` login result the edge writes.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FederatedIdentity } from '../../src/domain/index.js';
import { pauseForPrompts } from '../../src/provisioning/index.js';
import { rows } from '../../src/store/database.js';
import { getIdentityProvider } from '../../src/store/identity-providers-repo.js';
import { saveLoginResult } from '../../src/store/index.js';
import { APP_REDIRECT, discover, redeem, registerApp, startLogin } from '../support/oidc-app.js';
import { CookieJarBrowser, formAction, hiddenField } from '../support/oidc-browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'app_login_prompts' });
});
afterAll(async () => server?.stop());

const createIdp = async (name: string, scheme: string) => {
  const response = await server.admin('POST', '/api/v1/identity-providers', {
    name,
    protocol: 'oidc',
    oidc: { issuer: 'http://127.0.0.1:9/upstream', clientId: 'jb', clientSecret: 'x' },
    provisioning: { jit: { isEnabled: true, scheme } },
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
};

describe('a sign-in paused on provisioning prompts', () => {
  it('shows the password page, then signs the app in as the new user with the upstream amr', async () => {
    const idpId = await createIdp('Prompting Corp', 'PROMPT_PASSWORD_CONSENT');
    const otherId = await createIdp('Other Corp', 'PROVISION_SILENTLY');
    const app = await registerApp(server, { name: 'Wiki', identityProviders: [idpId, otherId] });
    const config = await discover(server, app);
    const started = await startLogin(config);
    const browser = new CookieJarBrowser();
    const chooser = await browser.follow(started.authorizationUrl);
    const uid = new URL(chooser.url).pathname.split('/')[2]!;

    // The federation edge's part: a verified identity whose scheme prompts → paused, result `pending`.
    const identity: FederatedIdentity = {
      idpId,
      subject: 'frank-upstream-id',
      claims: { preferred_username: 'frank', email: 'frank@example.com', email_verified: true },
      authnContext: { protocol: 'oidc', amr: ['pwd', 'otp'], acr: 'urn:example:loa:3', authTime: null, sessionId: null },
    };
    const paused = (await pauseForPrompts(server.ctx.store, await getIdentityProvider(server.ctx.store.db, idpId), identity, uid))!;
    expect(paused.prompts.password).toBe(true);
    const resultId = await saveLoginResult(server.ctx.store.db, {
      flowId: 'stand-in',
      idpId,
      subject: identity.subject,
      userId: null,
      outcome: 'pending',
      claims: { pendingId: paused.pendingId },
      authnContext: identity.authnContext,
      context: { interactionUid: uid },
    });

    const prompt = await browser.follow(`${server.url}/login/${uid}/federated?login_result=${resultId}`);
    expect(new URL(prompt.url).pathname).toBe(`/login/${uid}/provision`);
    expect(prompt.response!.status).toBe(200);
    const html = await prompt.response!.text();
    expect(html).toContain('Wiki');
    const users = (await rows<{ n: number }>(server.ctx.store.db, sql`select count(*)::int as n from users`))[0]!.n;

    const done = await browser.postForm(
      formAction(html, prompt.url),
      { csrf: hiddenField(html, 'csrf'), password: 'copper-lagoon-sparrow', confirmation: 'copper-lagoon-sparrow', decision: 'approve' },
      APP_REDIRECT,
    );
    if (done.response) throw new Error((await done.response.text()).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' '));
    const tokens = await redeem(config, started, done.url);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ preferred_username: 'frank', amr: ['pwd', 'otp'], acr: 'urn:example:loa:3' });
    const [user] = await rows<{ user_name: string; password_hash: string | null }>(
      server.ctx.store.db,
      sql`select user_name, password_hash from users where id = ${claims.sub}`,
    );
    expect(user!.user_name).toBe('frank');
    expect(user!.password_hash).toMatch(/^scrypt\$/);
    expect((await rows<{ n: number }>(server.ctx.store.db, sql`select count(*)::int as n from users`))[0]!.n).toBe(users + 1);
  });
});
