// Upstream OpenID Providers for the federation tests, on random loopback ports:
// - startUpstreamOidc: a real oidc-provider with test accounts whose claims a test can change, PKCE required, and a
//   plain HTML login form a cookie-jar client can post (login + password).
// - startCraftedOidc: a tiny OP (discovery, JWKS, authorize, token) whose token endpoint returns whatever ID token
//   the test crafts with jose (bad signature, alg none, wrong iss/aud, expired, wrong nonce).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import Provider, { type AdapterPayload, type KoaContextWithOIDC } from 'oidc-provider';
import { memoryAdapter } from './oidc-memory-adapter.js';
import type { TestServer } from './server.js';

export const UPSTREAM_PASSWORD = 'correct horse battery staple';

export interface TestAccount {
  /** The login name typed on the form; also the `sub`. */
  login: string;
  claims: Record<string, unknown>;
}

export interface UpstreamOidc {
  issuer: string;
  /** Registers a confidential client (redirect URI known once jitbridge's IdP has an id). */
  addClient(client: { clientId: string; clientSecret: string; redirectUri: string }): void;
  /** Adds or replaces an account; the next login sees these claims. */
  setAccount(login: string, claims: Record<string, unknown>): void;
  /** Changes some claims of an account (merged). */
  updateClaims(login: string, claims: Record<string, unknown>): void;
  stop(): Promise<void>;
}

const loginPage = (
  uid: string,
  error?: string,
) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Upstream sign-in</title></head><body>
<h1>Upstream OP sign-in</h1>${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<input name="login" autocomplete="username" required><input name="password" type="password" required>
<button type="submit">Sign in</button></form></body></html>`;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

export async function startUpstreamOidc(): Promise<UpstreamOidc> {
  const accounts = new Map<string, Record<string, unknown>>();
  const clients = new Map<string, AdapterPayload>();
  let provider: Provider | null = null;
  let callback: ReturnType<Provider['callback']> | null = null;

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(url.pathname);
      if (match && provider) {
        const details = await provider.interactionDetails(req, res);
        if (!match[2]) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(details.uid));
          return;
        }
        const form = new URLSearchParams(await readBody(req));
        const login = form.get('login') ?? '';
        if (!accounts.has(login) || form.get('password') !== UPSTREAM_PASSWORD) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(details.uid, 'Wrong username or password'));
          return;
        }
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: login, amr: ['pwd'], acr: 'urn:test:loa:1' } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      callback!(req, res);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  const issuer = await listen(server);
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'upstream-1', alg: 'RS256', use: 'sig' };

  provider = new Provider(issuer, {
    adapter: memoryAdapter(clients) as never,
    jwks: { keys: [signingKey as never] },
    findAccount: async (_ctx: KoaContextWithOIDC, sub: string) => {
      const claims = accounts.get(sub);
      return claims ? { accountId: sub, claims: async () => ({ ...accounts.get(sub), sub }) } : undefined;
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'locale'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    // ID token keeps only protocol claims and sub: the connector must read the rest from userinfo.
    conformIdTokenClaims: true,
    interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    cookies: {
      keys: ['upstream-cookie-key-0123456789'],
      names: { session: 'up_session', interaction: 'up_interaction', resume: 'up_resume' },
    },
    async loadExistingGrant(ctx) {
      if (!ctx.oidc.session?.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
      grant.addOIDCScope([...(ctx.oidc.requestParamScopes as Set<string>)].join(' '));
      await grant.save();
      return grant;
    },
  });
  callback = provider.callback();

  return {
    issuer,
    addClient({ clientId, clientSecret, redirectUri }) {
      clients.set(clientId, {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      });
    },
    setAccount(login, claims) {
      accounts.set(login, claims);
    },
    updateClaims(login, claims) {
      accounts.set(login, { ...accounts.get(login), ...claims });
    },
    stop: () => close(server),
  };
}

// ---- the crafted OP ---------------------------------------------------------------------------------------------

export interface CraftContext {
  issuer: string;
  clientId: string;
  /** The nonce of the authorization request this code answers. */
  nonce: string;
  /** Signs claims with the OP's published key (RS256). */
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  /** Signs with a key the OP never published. */
  signWithOtherKey(claims: Record<string, unknown>): Promise<string>;
  /** An unsecured JWT (`alg: none`). */
  unsigned(claims: Record<string, unknown>): string;
  /** Standard valid claims for `sub`. */
  claims(sub: string): Record<string, unknown>;
}

export interface CraftedOidc {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** When set, the authorization endpoint answers with this error instead of a code. */
  authorizeError?: string | undefined;
  /** What the token endpoint answers as id_token; default a valid token. */
  craft: (context: CraftContext) => Promise<string> | string;
  stop(): Promise<void>;
}

export async function startCraftedOidc(): Promise<CraftedOidc> {
  const clientId = 'crafted-client';
  const clientSecret = 'crafted-secret-0123456789';
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'crafted-1', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, { nonce: string; redirectUri: string }>();
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  let issuer = '';

  const state: CraftedOidc = {
    issuer: '',
    clientId,
    clientSecret,
    craft: (c) => c.sign(c.claims('crafted-user')),
    stop: async () => close(server),
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      const code = randomBytes(16).toString('base64url');
      codes.set(code, { nonce: url.searchParams.get('nonce') ?? '', redirectUri: url.searchParams.get('redirect_uri') ?? '' });
      const back = new URL(url.searchParams.get('redirect_uri')!);
      if (state.authorizeError) back.searchParams.set('error', state.authorizeError);
      else back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      back.searchParams.set('iss', issuer);
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const grant = codes.get(form.get('code') ?? '');
      if (!grant) return json(400, { error: 'invalid_grant' });
      codes.delete(form.get('code')!);
      const now = Math.floor(Date.now() / 1000);
      const context: CraftContext = {
        issuer,
        clientId,
        nonce: grant.nonce,
        sign: (claims, header = {}) =>
          new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'crafted-1', ...header }).sign(privateKey),
        signWithOtherKey: (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'crafted-1' }).sign(other.privateKey),
        unsigned: (claims) => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
        claims: (sub) => ({ iss: issuer, aud: clientId, sub, iat: now, exp: now + 300, nonce: grant.nonce, email: `${sub}@example.com` }),
      };
      const idToken = await state.craft(context);
      return json(200, { access_token: randomBytes(16).toString('base64url'), token_type: 'Bearer', expires_in: 300, id_token: idToken });
    }
    res.writeHead(404).end();
  });
  issuer = await listen(server);
  state.issuer = issuer;
  return state;
}

const BRIDGE_CLIENT = { clientId: 'bridge', clientSecret: 'bridge-secret-0123456789' };

/** Registers `upstream` as an OIDC identity provider of `server` and the bridge as the upstream's client. */
export async function registerBridgeIdp(server: TestServer, upstream: UpstreamOidc, name = 'Upstream OP'): Promise<string> {
  const created = (await (
    await server.admin('POST', '/api/v1/identity-providers', {
      name,
      protocol: 'oidc',
      oidc: { issuer: upstream.issuer, ...BRIDGE_CLIENT },
    })
  ).json()) as { id: string; oidc: { redirectUri: string } };
  upstream.addClient({ ...BRIDGE_CLIENT, redirectUri: created.oidc.redirectUri });
  return created.id;
}
