// A real upstream OpenID Provider (oidc-provider on a random loopback port) for the app-login tests and the
// benchmark: one confidential client (jitbridge), people who sign in on a plain HTML form with any of the
// configured accounts and the password below. Its state lives in memory: it plays someone else's IdP.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type AdapterPayload, type KoaContextWithOIDC } from 'oidc-provider';
import { memoryAdapter } from './oidc-memory-adapter.js';

export const UPSTREAM_PASSWORD = 'correct horse battery staple';

export interface UpstreamOidc {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Sets the redirect URI jitbridge registered (known once its IdP has an id). */
  setRedirectUri(uri: string): void;
  /** Adds a redirect URI (the benchmark's baseline signs the app in directly). */
  addRedirectUri(uri: string): void;
  setAccount(sub: string, claims: Record<string, unknown>): void;
  /** The `amr`/`acr` this IdP reports for a login. */
  authn: { amr: string[]; acr: string };
  /** Time spent answering requests so far (from the request's arrival to its response's last byte). */
  handled: { ms: number; requests: number };
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

async function readForm(req: import('node:http').IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * `hostname` names the issuer's host: `localhost` puts the IdP on another site than jitbridge's 127.0.0.1 (as a
 * browser sees sites), for what SameSite cookies do on the way back.
 */
export async function startUpstreamOidc(
  options: {
    clientId?: string;
    clientSecret?: string;
    hostname?: '127.0.0.1' | 'localhost';
    /**
     * No login form: the interaction is finished at once for the account named by `login_hint`. The benchmark's
     * floor, an OpenID Provider on oidc-provider doing nothing but the protocol.
     */
    signInAtOnce?: boolean;
  } = {},
): Promise<UpstreamOidc> {
  const clientId = options.clientId ?? 'jitbridge';
  const clientSecret = options.clientSecret ?? 'upstream-client-secret-0123456789abcdef';
  const accounts = new Map<string, Record<string, unknown>>();
  const clients = new Map<string, AdapterPayload>();
  const authn = { amr: ['pwd', 'mfa'], acr: 'urn:example:loa:2' };
  let provider: Provider | null = null;
  let callback: ReturnType<Provider['callback']> | null = null;

  const handled = { ms: 0, requests: 0 };
  const server: Server = createServer(async (req, res) => {
    const arrived = performance.now();
    res.once('finish', () => {
      handled.ms += performance.now() - arrived;
      handled.requests++;
    });
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(url.pathname);
      if (match && provider) {
        const details = await provider.interactionDetails(req, res);
        const hint = String(details.params.login_hint ?? '');
        if (options.signInAtOnce && accounts.has(hint)) {
          await provider.interactionFinished(req, res, { login: { accountId: hint, amr: authn.amr, acr: authn.acr } });
          return;
        }
        if (!match[2]) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(details.uid));
          return;
        }
        const form = await readForm(req);
        const login = form.get('login') ?? '';
        if (!accounts.has(login) || form.get('password') !== UPSTREAM_PASSWORD) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(details.uid, 'Wrong username or password'));
          return;
        }
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: login, amr: authn.amr, acr: authn.acr } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      callback!(req, res);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://${options.hostname ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  provider = new Provider(issuer, {
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'upstream-1', alg: 'RS256', use: 'sig' }] } as never,
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Grant: 3600, Session: 3600 },
    adapter: memoryAdapter(clients) as never,
    findAccount: async (_ctx: KoaContextWithOIDC, sub: string) => {
      const claims = accounts.get(sub);
      return claims ? { accountId: sub, claims: async () => ({ sub, ...claims }) } : undefined;
    },
    claims: {
      sid: null,
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
    conformIdTokenClaims: false,
    interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => false },
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
  clients.set(clientId, {
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: ['http://127.0.0.1/placeholder'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  });

  return {
    issuer,
    clientId,
    clientSecret,
    authn,
    handled,
    setRedirectUri(uri) {
      clients.set(clientId, { ...clients.get(clientId)!, redirect_uris: [uri] });
    },
    addRedirectUri(uri) {
      const current = clients.get(clientId)!;
      clients.set(clientId, { ...current, redirect_uris: [...(current.redirect_uris as string[]), uri] });
    },
    setAccount(sub, claims) {
      accounts.set(sub, claims);
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
