// A person signing in to the console: the built-in public client `jitbridge-console` through jitbridge's own OpenID
// Provider (authorization code + PKCE, openid-client), LOCAL password at the sign-in page of a cookie-jar browser.
import * as client from 'openid-client';
import { CookieJarBrowser, formAction, hiddenField } from './oidc-browser.js';
import { createScimClient, GROUP_SCHEMA, type ScimTestClient, USER_SCHEMA } from './scim-client.js';
import type { TestServer } from './server.js';

export const CONSOLE_CLIENT_ID = 'jitbridge-console';
export const ALL_CONSOLE_SCOPES = 'openid jitbridge:admin jitbridge:operate jitbridge:read';

export const consoleRedirect = (server: TestServer) => `${server.url}/console/callback`;

/** A LOCAL user in PRIMARY with a password; answers its id. */
export async function createLocalPerson(server: TestServer, scim: ScimTestClient, userName: string, password: string): Promise<string> {
  const created = await scim.json<{ id: string }>('POST', '/Users', { schemas: [USER_SCHEMA], userName, active: true });
  if (created.status !== 201) throw new Error(`creating ${userName}: ${created.status} ${JSON.stringify(created.body)}`);
  const set = await server.admin('PUT', `/api/v1/users/${created.body.id}/password`, { password });
  if (set.status !== 204) throw new Error(`setting the password of ${userName}: ${set.status} ${await set.text()}`);
  return created.body.id;
}

/** A PRIMARY group with these members (SCIM); answers its id. */
export async function createGroup(scim: ScimTestClient, displayName: string, members: string[]): Promise<string> {
  const created = await scim.json<{ id: string }>('POST', '/Groups', {
    schemas: [GROUP_SCHEMA],
    displayName,
    members: members.map((value) => ({ value })),
  });
  if (created.status !== 201) throw new Error(`creating group ${displayName}: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.id;
}

export { createScimClient };

/** Signs in as userName/password with the console client; answers the token response (access_token, scope). */
export async function consoleSignIn(
  server: TestServer,
  userName: string,
  password: string,
  scope = ALL_CONSOLE_SCOPES,
  /** Another public client, to show what its tokens are worth. */
  as: { clientId: string; redirect: string } = { clientId: CONSOLE_CLIENT_ID, redirect: consoleRedirect(server) },
) {
  const config = await client.discovery(new URL(`${server.url}/oidc`), as.clientId, {}, client.None(), {
    execute: [client.allowInsecureRequests],
  });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const redirect = as.redirect;
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirect,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const browser = new CookieJarBrowser();
  const page = await browser.follow(url, {}, redirect);
  if (!page.response) throw new Error(`expected the sign-in page, went to ${page.url}`);
  const html = await page.response.text();
  if (!html.includes('name="password"'))
    throw new Error(`expected the sign-in page at ${page.url}, got ${page.response.status}: ${html.slice(0, 400)}`);
  const back = await browser.postForm(
    formAction(html, page.url),
    { csrf: hiddenField(html, 'csrf'), username: userName, password },
    redirect,
  );
  if (back.response)
    throw new Error(`expected the console's redirect, got ${back.response.status}: ${(await back.response.text()).slice(0, 400)}`);
  return client.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: verifier, expectedState: state });
}
