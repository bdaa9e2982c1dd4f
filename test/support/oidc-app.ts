// The app side of the tests: registers an app (and an upstream IdP) through the admin API and signs in
// with a real openid-client doing the authorization code flow with PKCE, through a cookie-jar browser.
import * as client from 'openid-client';
import { CookieJarBrowser, formAction } from './oidc-browser.js';
import { UPSTREAM_PASSWORD, type UpstreamOp } from './upstream-op.js';
import type { TestServer } from './server.js';

export const APP_REDIRECT = 'http://127.0.0.1:9/app/callback';
export const APP_LOGOUT_REDIRECT = 'http://127.0.0.1:9/app/signed-out';

export interface RegisteredApp {
  id: string;
  clientId: string;
  clientSecret?: string;
}

async function json<T>(response: Response, status: number): Promise<T> {
  const body = await response.text();
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${body}`);
  return JSON.parse(body) as T;
}

/** An upstream OIDC IdP registered in jitbridge (JIT on unless told otherwise). */
export async function registerUpstreamIdp(
  server: TestServer,
  upstream: UpstreamOp,
  options: { name?: string; jit?: boolean; trustEmail?: boolean } = {},
) {
  const idp = await json<{ id: string }>(
    await server.admin('POST', '/api/v1/identity-providers', {
      name: options.name ?? `Example Corp ${Math.random().toString(36).slice(2, 8)}`,
      protocol: 'oidc',
      trustEmail: options.trustEmail ?? true,
      oidc: {
        issuer: upstream.issuer,
        clientId: upstream.clientId,
        clientSecret: upstream.clientSecret,
        scopes: ['openid', 'profile', 'email'],
      },
      provisioning: { jit: { isEnabled: options.jit ?? true } },
    }),
    201,
  );
  upstream.setRedirectUri(`${server.url}/federation/${idp.id}/callback`);
  return idp;
}

export async function registerApp(server: TestServer, body: Record<string, unknown>): Promise<RegisteredApp> {
  return json<RegisteredApp>(
    await server.admin('POST', '/api/v1/applications', {
      name: 'Timesheets',
      redirectUris: [APP_REDIRECT],
      postLogoutRedirectUris: [APP_LOGOUT_REDIRECT],
      ...body,
    }),
    201,
  );
}

export async function discover(server: TestServer, app: RegisteredApp): Promise<client.Configuration> {
  const auth = app.clientSecret ? client.ClientSecretBasic(app.clientSecret) : client.None();
  return client.discovery(new URL(`${server.url}/oidc`), app.clientId, app.clientSecret ? { client_secret: app.clientSecret } : {}, auth, {
    execute: [client.allowInsecureRequests],
  });
}

export interface StartedLogin {
  authorizationUrl: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function startLogin(config: client.Configuration, params: Record<string, string> = {}): Promise<StartedLogin> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: APP_REDIRECT,
    scope: 'openid email profile groups',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { authorizationUrl, verifier, state, nonce };
}

/**
 * The whole brokered login in a cookie-jar browser: app → jitbridge → upstream login form → jitbridge →
 * back at the app's redirect URI. Returns the URL the app receives (with code or error).
 */
export async function signInThroughUpstream(browser: CookieJarBrowser, started: StartedLogin, login: string): Promise<string> {
  const landing = await browser.follow(started.authorizationUrl, {}, APP_REDIRECT);
  if (!landing.response) return landing.url;
  const html = await landing.response.text();
  if (!html.includes('name="password"'))
    throw new Error(`expected the upstream login form at ${landing.url}, got ${landing.response.status}: ${html.slice(0, 300)}`);
  const back = await browser.postForm(formAction(html, landing.url), { login, password: UPSTREAM_PASSWORD }, APP_REDIRECT);
  if (back.response)
    throw new Error(
      `expected a redirect to the app, got ${back.response.status} at ${back.url}: ${(await back.response.text()).slice(0, 500)}`,
    );
  return back.url;
}

export async function redeem(config: client.Configuration, started: StartedLogin, callbackUrl: string) {
  return client.authorizationCodeGrant(config, new URL(callbackUrl), {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
    expectedNonce: started.nonce,
  });
}
