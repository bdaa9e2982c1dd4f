// The fake upstream OpenID Provider of the tests and benchmarks: a real oidc-provider on a random loopback port,
// playing someone else's IdP (state in memory). It has one confidential client registered at start (more can be
// added), accounts whose claims a test can change, PKCE required, and a plain HTML login form (login + password) that
// a cookie-jar client or a browser can post.
//
// Hostile mode, for the negative tests of OpenID Connect Core §3.1.3.7: set `craft` and the token endpoint answers
// the ID token the test crafts (bad signature, alg none, wrong iss/aud, expired, wrong nonce) instead of the one it
// issued; set `authorizeError` and the authorization endpoint answers that error instead of asking for a login.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, SignJWT } from 'jose';
import Provider, { type AdapterPayload, type KoaContextWithOIDC } from 'oidc-provider';
import { memoryAdapter } from './oidc-memory-adapter.js';
import type { TestServer } from './server.js';

export const UPSTREAM_PASSWORD = 'correct horse battery staple';

export interface UpstreamOpOptions {
  clientId?: string;
  clientSecret?: string;
  /**
   * The issuer's host: `localhost` puts the IdP on another site than jitbridge's 127.0.0.1 (as a browser sees
   * sites), for what SameSite cookies do on the way back.
   */
  hostname?: '127.0.0.1' | 'localhost';
  /**
   * Where the accounts' claims go. `id-token` (default): in the ID token, as most enterprise IdPs do, so the bridge
   * needs no userinfo call. `userinfo`: the ID token carries only `sub` and the protocol claims (conformIdTokenClaims)
   * and `locale` is among the claims supported, so the bridge must read userinfo.
   */
  claimsIn?: 'id-token' | 'userinfo';
  /** false: no userinfo endpoint (hostile mode: the crafted ID token's `sub` would not match userinfo's). */
  userinfo?: boolean;
  /**
   * No login form: the interaction is finished at once for the account named by `login_hint`. The benchmark's
   * floor, an OpenID Provider on oidc-provider doing nothing but the protocol.
   */
  signInAtOnce?: boolean;
}

/** What a test's `craft` gets to build the token endpoint's ID token with. */
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

export type Craft = (context: CraftContext) => Promise<string> | string;

export interface UpstreamOp {
  issuer: string;
  /** The client registered at start. */
  clientId: string;
  clientSecret: string;
  /** Sets the redirect URI of the client registered at start (known once jitbridge's IdP has an id). */
  setRedirectUri(uri: string): void;
  /** Adds a redirect URI to the client registered at start (a second IdP, or the benchmark's direct baseline). */
  addRedirectUri(uri: string): void;
  /** Registers another confidential client. */
  addClient(client: { clientId: string; clientSecret: string; redirectUri: string }): void;
  /** Adds or replaces an account (its login name is its `sub`); the next login sees these claims. */
  setAccount(login: string, claims: Record<string, unknown>): void;
  /** Changes some claims of an account (merged). */
  updateClaims(login: string, claims: Record<string, unknown>): void;
  /** The `amr`/`acr` this IdP reports for a login. */
  authn: { amr: string[]; acr: string };
  /** Time spent answering requests so far (from the request's arrival to its response's last byte). */
  handled: { ms: number; requests: number };
  /** Hostile mode: the token endpoint answers this ID token instead of the one it issued. */
  craft?: Craft | undefined;
  /** Hostile mode: the authorization endpoint answers this error (e.g. access_denied) instead of a login. */
  authorizeError?: string | undefined;
  stop(): Promise<void>;
}

const loginPage = (
  uid: string,
  error?: string,
) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Upstream sign-in</title></head><body>
<h1>Example Corp sign-in</h1>${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label for="login">Username</label><input id="login" name="login" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></body></html>`;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const AUTHORIZATION_PATH = '/auth';
const TOKEN_PATH = '/token';

export async function startUpstreamOp(options: UpstreamOpOptions = {}): Promise<UpstreamOp> {
  const clientId = options.clientId ?? 'jitbridge';
  const clientSecret = options.clientSecret ?? 'upstream-client-secret-0123456789abcdef';
  const claimsInUserinfo = options.claimsIn === 'userinfo';
  const accounts = new Map<string, Record<string, unknown>>();
  const clients = new Map<string, AdapterPayload>();
  let provider: Provider | null = null;
  let callback: ReturnType<Provider['callback']> | null = null;
  const keys = { published: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, other: null as KeyObject | null };

  const server: Server = createServer(async (req, res) => {
    const arrived = performance.now();
    res.once('finish', () => {
      op.handled.ms += performance.now() - arrived;
      op.handled.requests++;
    });
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === AUTHORIZATION_PATH && op.authorizeError) return answerError(url, res, op.authorizeError);
      if (url.pathname === TOKEN_PATH && req.method === 'POST' && op.craft) replaceIdToken(res, op.craft);
      const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(url.pathname);
      if (match && provider) return await interaction(provider, req, res, match[2] !== undefined);
      callback!(req, res);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });

  async function interaction(provider: Provider, req: IncomingMessage, res: ServerResponse, posted: boolean): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const hint = String(details.params.login_hint ?? '');
    const login = { amr: op.authn.amr, acr: op.authn.acr };
    if (options.signInAtOnce && accounts.has(hint)) {
      await provider.interactionFinished(req, res, { login: { accountId: hint, ...login } });
      return;
    }
    if (!posted) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(details.uid));
      return;
    }
    const form = new URLSearchParams(await readBody(req));
    const name = form.get('login') ?? '';
    if (!accounts.has(name) || form.get('password') !== UPSTREAM_PASSWORD) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(details.uid, 'Wrong username or password'));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: name, ...login } }, { mergeWithLastSubmission: false });
  }

  /** Hostile mode: the error goes straight back to the redirect URI, with state and iss (RFC 9207). */
  function answerError(url: URL, res: ServerResponse, error: string): void {
    const back = new URL(url.searchParams.get('redirect_uri')!);
    back.searchParams.set('error', error);
    back.searchParams.set('state', url.searchParams.get('state') ?? '');
    back.searchParams.set('iss', issuer);
    res.writeHead(302, { location: back.href }).end();
  }

  /**
   * Hostile mode: the provider's answer is held at `res.end` and its id_token replaced by the crafted one. The
   * nonce, audience and subject of the real token are what the crafted claims start from.
   */
  function replaceIdToken(res: ServerResponse, craft: Craft): void {
    const end = res.end.bind(res) as (body?: string | Buffer) => ServerResponse;
    res.end = ((body?: string | Buffer) => {
      void (async () => {
        const answer = JSON.parse(String(body ?? '{}')) as { id_token?: string };
        if (answer.id_token) {
          const issued = decodeJwt(answer.id_token);
          answer.id_token = await craft(craftContext(String(issued.aud), String(issued.nonce ?? '')));
        }
        const text = JSON.stringify(answer);
        res.setHeader('content-length', Buffer.byteLength(text));
        end(text);
      })().catch((error: unknown) => {
        res.statusCode = 500;
        end(String(error));
      });
      return res;
    }) as typeof res.end;
  }

  function craftContext(audience: string, nonce: string): CraftContext {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    return {
      issuer,
      clientId: audience,
      nonce,
      sign: (claims, header = {}) =>
        new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'upstream-1', ...header }).sign(keys.published),
      signWithOtherKey: (claims) => {
        keys.other ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
        return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'upstream-1' }).sign(keys.other);
      },
      unsigned: (claims) => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
      claims: (sub) => ({ iss: issuer, aud: audience, sub, iat: now, exp: now + 300, nonce, email: `${sub}@example.com` }),
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://${options.hostname ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;

  provider = new Provider(issuer, {
    jwks: { keys: [{ ...keys.published.export({ format: 'jwk' }), kid: 'upstream-1', alg: 'RS256', use: 'sig' }] } as never,
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Grant: 3600, Session: 3600 },
    adapter: memoryAdapter(clients) as never,
    findAccount: async (_ctx: KoaContextWithOIDC, sub: string) =>
      accounts.has(sub) ? { accountId: sub, claims: async () => ({ ...accounts.get(sub), sub }) } : undefined,
    claims: claimsInUserinfo
      ? {
          openid: ['sub'],
          email: ['email', 'email_verified'],
          profile: ['name', 'given_name', 'family_name', 'preferred_username', 'locale'],
          groups: ['groups'],
        }
      : {
          sid: null,
          openid: ['sub', 'acr', 'amr', 'auth_time'],
          email: ['email', 'email_verified'],
          profile: ['name', 'given_name', 'family_name', 'preferred_username'],
          groups: ['groups'],
        },
    scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
    conformIdTokenClaims: claimsInUserinfo,
    interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false }, userinfo: { enabled: options.userinfo ?? true } },
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

  const register = (id: string, secret: string, redirectUris: string[]) =>
    clients.set(id, {
      client_id: id,
      client_secret: secret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    });
  register(clientId, clientSecret, ['http://127.0.0.1/placeholder']);

  const op: UpstreamOp = {
    issuer,
    clientId,
    clientSecret,
    authn: { amr: ['pwd', 'mfa'], acr: 'urn:example:loa:2' },
    handled: { ms: 0, requests: 0 },
    setRedirectUri: (uri) => register(clientId, clientSecret, [uri]),
    addRedirectUri: (uri) => register(clientId, clientSecret, [...(clients.get(clientId)!.redirect_uris as string[]), uri]),
    addClient: (client) => register(client.clientId, client.clientSecret, [client.redirectUri]),
    setAccount: (login, claims) => void accounts.set(login, claims),
    updateClaims: (login, claims) => void accounts.set(login, { ...accounts.get(login), ...claims }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return op;
}

/** Registers `upstream` as an OIDC identity provider of `server`, with the bridge as its client; returns the IdP's id. */
export async function registerBridgeIdp(server: TestServer, upstream: UpstreamOp, name = 'Upstream OP'): Promise<string> {
  const created = (await (
    await server.admin('POST', '/api/v1/identity-providers', {
      name,
      protocol: 'oidc',
      oidc: { issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret },
    })
  ).json()) as { id: string; oidc: { redirectUri: string } };
  upstream.addRedirectUri(created.oidc.redirectUri);
  return created.id;
}
