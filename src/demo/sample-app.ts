// The demo's sample app: a confidential OpenID Connect client of jitbridge (openid-client; authorization code with
// PKCE, state and nonce) that shows the ID token's claims and the SCIM user jitbridge just provisioned, read from
// jitbridge's SCIM server with the app's own SCIM token. Signing out is RP-initiated logout at jitbridge.
// Sessions live in memory, behind an HttpOnly cookie of the app's own name (cookies ignore ports, and jitbridge
// and the demo IdPs share 127.0.0.1 with it).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import * as client from 'openid-client';
import { html, pageHeaders, raw, renderPage, type RawHtml } from './html.js';
import { closeServer, DEMO_HOST, listenOn } from './ports.js';

export const APP_SITE = { name: 'Demo app — a sample application signing in through jitbridge', colour: '#0969da' };
const SESSION_COOKIE = 'demo_app_session';
const MAX_SESSIONS = 1000;

export interface SampleAppOptions {
  port: number;
  /** jitbridge's OpenID Provider (PUBLIC_URL/oidc). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** jitbridge's SCIM base URL (PUBLIC_URL/scim/v2) and a token with scim:read. */
  scimUrl: string;
  scimToken: string;
  /** Shown on the page: where to find the SCIM token for the curl line. */
  credentialsFile: string;
  /** jitbridge's PUBLIC_URL, for the page's links. */
  jitbridgeUrl: string;
}

export interface SampleApp {
  url: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  stop(): Promise<void>;
}

interface Session {
  pending: Map<string, { nonce: string; verifier: string }>;
  signedIn?: { idToken: string; claims: Record<string, unknown> };
}

/** The app's addresses, known before it starts (jitbridge must register them first). */
export function sampleAppUrls(port: number) {
  const url = `http://${DEMO_HOST}:${port}`;
  return { url: `${url}/`, redirectUri: `${url}/callback`, postLogoutRedirectUri: `${url}/signed-out` };
}

/** openid-client refuses http unless told; as jitbridge's own connector does, only for loopback hosts. */
const isLoopbackHttp = (url: string) => {
  const parsed = new URL(url);
  return parsed.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
};

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

function claimValue(value: unknown): string {
  if (typeof value === 'number' && value > 1_000_000_000 && value < 10_000_000_000)
    return `${value} (${new Date(value * 1000).toISOString()})`;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

interface ScimResult {
  status: number;
  user: Record<string, unknown> | null;
  error: string | null;
}

function scimSummary(user: Record<string, unknown>): RawHtml {
  const userName = String(user.userName ?? '');
  const store = userName.includes('/') ? userName.slice(0, userName.indexOf('/')) : 'PRIMARY';
  const emails = (user.emails as Array<{ value?: string; type?: string }> | undefined) ?? [];
  const groups = (user.groups as Array<{ display?: string }> | undefined) ?? [];
  return html`<dl>
    <dt>id</dt>
    <dd data-field="id"><code>${user.id}</code></dd>
    <dt>userName</dt>
    <dd data-field="userName"><code>${userName}</code></dd>
    <dt>User store</dt>
    <dd data-field="store">${store}</dd>
    <dt>displayName</dt>
    <dd data-field="displayName">${user.displayName ?? html`<span class="hint">(not stored)</span>`}</dd>
    <dt>emails</dt>
    <dd data-field="emails">${emails.map((e) => `${e.value}${e.type ? ` (${e.type})` : ''}`).join(', ')}</dd>
    <dt>groups</dt>
    <dd data-field="groups">${groups.map((g) => g.display).join(', ') || html`<span class="hint">(none)</span>`}</dd>
  </dl>`;
}

function signedInPage(options: SampleAppOptions, claims: Record<string, unknown>, scim: ScimResult): string {
  const name = String(claims.name ?? claims.preferred_username ?? claims.sub);
  const curl = [
    `. ${options.credentialsFile}`,
    'curl -sS --fail-with-body -H "Authorization: Bearer $SCIM_TOKEN" \\',
    `  "$JITBRIDGE_URL/scim/v2/Users/${encodeURIComponent(String(claims.sub))}"`,
  ].join('\n');
  return renderPage({
    title: `Signed in as ${name} — Demo app`,
    site: APP_SITE,
    body: html`<div class="card">
        <h1>Signed in as ${name}</h1>
        <p class="hint">jitbridge signed you in through your identity provider and provisioned you just in time.</p>
        <nav><a class="button" href="/logout">Sign out</a> <a href="/login?prompt=login">Sign in as someone else</a></nav>
      </div>
      <div class="card" id="claims">
        <h2>ID token claims</h2>
        <table>
          ${Object.entries(claims).map(
            ([key, value]) =>
              html`<tr>
                <th><code>${key}</code></th>
                <td data-claim="${key}">${claimValue(value)}</td>
              </tr>`,
          )}
        </table>
      </div>
      <div class="card" id="scim-user">
        <h2>The SCIM user (read from jitbridge's SCIM server)</h2>
        ${
          scim.user
            ? html`${scimSummary(scim.user)}
                <details>
                  <summary>Whole resource</summary>
                  <pre>${pretty(scim.user)}</pre>
                </details>`
            : html`<p class="alert">${scim.error}</p>`
        }
        <p class="hint">The same read from a shell:</p>
        <pre>${curl}</pre>
      </div>
      <div class="card">
        <h2>Where to look next</h2>
        <p>
          jitbridge's admin API and its docs: <a href="${options.jitbridgeUrl}/api/docs">${options.jitbridgeUrl}/api/docs</a> (the identity
          providers' JIT policies, the audit events saying what provisioning did). The walkthrough, with things to try, is
          <code>docs/demo.md</code>.
        </p>
      </div>`,
  });
}

function messagePage(title: string, body: RawHtml, status = 200): { body: string; status: number } {
  return {
    body: renderPage({
      title: `${title} — Demo app`,
      site: APP_SITE,
      body: html`<div class="card">
        <h1>${title}</h1>
        ${body}
      </div>`,
    }),
    status,
  };
}

export async function startSampleApp(options: SampleAppOptions): Promise<SampleApp> {
  const urls = sampleAppUrls(options.port);
  const execute = isLoopbackHttp(options.issuer) ? [client.allowInsecureRequests] : [];
  const config = await client.discovery(
    new URL(options.issuer),
    options.clientId,
    { client_secret: options.clientSecret },
    client.ClientSecretBasic(options.clientSecret),
    { execute },
  );
  const sessions = new Map<string, Session>();

  const sessionOf = (c: Context, create: boolean): Session | undefined => {
    const id = getCookie(c, SESSION_COOKIE);
    const found = id ? sessions.get(id) : undefined;
    if (found || !create) return found;
    const fresh: Session = { pending: new Map() };
    const newId = randomBytes(24).toString('base64url');
    // Oldest first out: a demo left open for days keeps a bounded number of sessions.
    if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
    sessions.set(newId, fresh);
    setCookie(c, SESSION_COOKIE, newId, { httpOnly: true, sameSite: 'Lax', path: '/' });
    return fresh;
  };
  const page = (c: Context, rendered: { body: string; status: number }) => c.body(rendered.body, rendered.status as 200, pageHeaders());

  const readScimUser = async (id: string): Promise<ScimResult> => {
    try {
      const response = await fetch(`${options.scimUrl}/Users/${encodeURIComponent(id)}`, {
        headers: { authorization: `Bearer ${options.scimToken}`, accept: 'application/scim+json' },
      });
      const body = (await response.json()) as Record<string, unknown>;
      if (response.ok) return { status: response.status, user: body, error: null };
      // A pass-through sign-in (JIT off for the IdP) has a pairwise `sub` and nothing stored behind it.
      const why =
        response.status === 404 ? ': jitbridge stored no user for this sign-in (is JIT provisioning off for the identity provider?)' : '';
      return { status: response.status, user: null, error: `SCIM answered ${response.status} (${String(body.detail ?? '')})${why}` };
    } catch (error) {
      return { status: 0, user: null, error: `SCIM could not be read: ${(error as Error).message}` };
    }
  };

  const app = new Hono();

  // One origin only: the session cookie set on http://localhost:… would not come back to the registered redirect URI
  // on 127.0.0.1, so another host name is sent to the canonical one first.
  const origin = new URL(urls.url).host;
  app.use(async (c, next) => {
    if (c.req.header('host') === origin) return next();
    const target = new URL(c.req.url);
    return c.redirect(`${new URL(urls.url).origin}${target.pathname}${target.search}`, 308);
  });

  app.get('/', async (c) => {
    const session = sessionOf(c, false);
    if (!session?.signedIn) return c.redirect('/login', 303);
    const { claims } = session.signedIn;
    return c.body(signedInPage(options, claims, await readScimUser(String(claims.sub))), 200, pageHeaders());
  });

  app.get('/login', async (c) => {
    const session = sessionOf(c, true)!;
    const state = client.randomState();
    const nonce = client.randomNonce();
    const verifier = client.randomPKCECodeVerifier();
    // A few sign-ins may be under way at once (tabs); a session never keeps more than that.
    if (session.pending.size >= 10) session.pending.delete(session.pending.keys().next().value!);
    session.pending.set(state, { nonce, verifier });
    const parameters: Record<string, string> = {
      redirect_uri: urls.redirectUri,
      scope: 'openid profile email groups',
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    };
    if (c.req.query('prompt') === 'login') parameters.prompt = 'login';
    return c.redirect(client.buildAuthorizationUrl(config, parameters).href, 303);
  });

  app.get('/callback', async (c) => {
    const current = new URL(c.req.url);
    const state = current.searchParams.get('state') ?? '';
    const session = sessionOf(c, false);
    const pending = session?.pending.get(state);
    const again = html`<p><a class="button" href="/login">Try again</a></p>`;
    if (!session || !pending) {
      return page(
        c,
        messagePage(
          'This sign-in is not one the app started',
          html`<p>Its state is unknown (or was used already).</p>
            ${again}`,
          400,
        ),
      );
    }
    session.pending.delete(state);
    if (current.searchParams.has('error')) {
      const error = current.searchParams.get('error');
      const description = current.searchParams.get('error_description');
      return page(
        c,
        messagePage(
          'The sign-in did not complete',
          html`<p>jitbridge answered <code>${error}</code>${description ? `: ${description}` : ''}.</p>
            ${again}`,
        ),
      );
    }
    try {
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      session.signedIn = { idToken: tokens.id_token!, claims: { ...tokens.claims()! } };
    } catch (error) {
      return page(
        c,
        messagePage(
          'The sign-in could not be completed',
          html`<p class="alert">${(error as Error).message}</p>
            ${again}`,
          400,
        ),
      );
    }
    return c.redirect('/', 303);
  });

  app.get('/logout', (c) => {
    const session = sessionOf(c, false);
    const idToken = session?.signedIn?.idToken;
    if (session) delete session.signedIn;
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    const id = getCookie(c, SESSION_COOKIE);
    if (id) sessions.delete(id);
    // RP-initiated logout 1.0: jitbridge ends its session (after asking) and sends the browser back here.
    const parameters: Record<string, string> = { post_logout_redirect_uri: urls.postLogoutRedirectUri, client_id: options.clientId };
    if (idToken) parameters.id_token_hint = idToken;
    return c.redirect(client.buildEndSessionUrl(config, parameters).href, 303);
  });

  app.get('/signed-out', (c) =>
    page(
      c,
      messagePage(
        'You are signed out',
        html`<p>The demo app forgot you, and jitbridge ended its session.</p>
          <p><a class="button" href="/login">Sign in again</a></p>`,
      ),
    ),
  );

  app.notFound((c) => page(c, messagePage('Not found', raw('<p><a href="/">Back to the demo app</a></p>'), 404)));

  const server = createServer(getRequestListener(app.fetch));
  await listenOn(server, 'app', options.port);
  return { ...urls, stop: () => closeServer(server) };
}
