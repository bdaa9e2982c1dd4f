// The app-facing OpenID Provider edge: /oidc (oidc-provider), and the sign-in interaction (src/login) it hands
// a way to finish (login-protocol.ts).
import { Hono } from 'hono';
import { beginUpstreamLogin } from '../federation/index.js';
import type { AppContext, AppEnv } from '../http/index.js';
import { loginAssets, loginRoutes, startWithoutPage, type BeginUpstreamLogin, type LoginDeps } from '../login/index.js';
import { oidcLoginProtocol, viewOf } from './login-protocol.js';
import { oidcHandler, OIDC_PREFIX } from './mount.js';
import { ProviderHolder, SIGNING_KEY_KEEP_SECONDS as SIGNING_KEY_KEEP_SECONDS_VALUE, TTL as TTL_VALUE } from './provider.js';
import { listSigningKeys, rotateCookieKeys, rotateSigningKeys } from './keys.js';
import { clientMetadata } from './clients.js';
import { verifyConsoleAccessToken } from './console-client.js';
import type { SamlLoginConnector } from '../saml-idp/index.js';
import { createSamlLogin } from './saml-login.js';

export { ProviderHolder, issuerOf, SIGNING_KEY_KEEP_SECONDS, TTL } from './provider.js';
export { OIDC_PREFIX } from './mount.js';
export { MAX_OIDC_FORM_BYTES } from './client-secret-digest.js';

export interface OidcEdge {
  /** /oidc, and the sign-in interaction's routes (src/login), the federation callbacks among them. */
  routes: Hono<AppEnv>;
  /** For the SAML IdP edge (createSamlIdpEdge): SAML apps sign in through this OpenID Provider (saml-login.ts). */
  samlLogin: SamlLoginConnector;
}

/** Holders by context, so the admin API (key rotation) reaches the same provider cache as the routes. */
const holders = new WeakMap<AppContext, ProviderHolder>();

export function providerHolderFor(ctx: AppContext): ProviderHolder {
  let holder = holders.get(ctx);
  if (!holder) {
    holder = new ProviderHolder(ctx);
    holders.set(ctx, holder);
  }
  return holder;
}

export function createOidcEdge(ctx: AppContext, options: { begin?: BeginUpstreamLogin } = {}): OidcEdge {
  const holder = providerHolderFor(ctx);
  const login: LoginDeps = { ctx, protocol: oidcLoginProtocol(ctx, holder), begin: options.begin ?? beginUpstreamLogin };
  holder.directStart = (interaction) => startWithoutPage(login, viewOf(interaction));
  // Keys are made (first start) and the provider built now rather than on the first sign-in.
  holder.get().catch((error: unknown) => ctx.logger.warn({ err: error }, 'OpenID Provider not ready yet; retrying on the first request'));
  const routes = new Hono<AppEnv>();
  routes.route('/', loginAssets());
  routes.all(OIDC_PREFIX, oidcHandler(holder, ctx.store));
  routes.all(`${OIDC_PREFIX}/*`, oidcHandler(holder, ctx.store));
  routes.route('/', loginRoutes(login));
  const samlLogin = createSamlLogin(ctx, holder);
  routes.route('/', samlLogin.routes);
  return { routes, samlLogin: samlLogin.connector };
}

/** Key management for the admin API (rotation takes effect on every instance within seconds). */
export const listOidcKeys = (ctx: AppContext) => listSigningKeys(ctx.store);
export const rotateOidcSigningKeys = (ctx: AppContext) => rotateSigningKeys(ctx.store, SIGNING_KEY_KEEP_SECONDS_VALUE);
export const rotateOidcCookieKeys = (ctx: AppContext) => rotateCookieKeys(ctx.store, TTL_VALUE.Session);

/**
 * Checks an application's OIDC settings the way oidc-provider will when it loads the client (redirect URI
 * rules for web and native apps, …); returns oidc-provider's description of the problem, or null.
 */
export async function clientSettingsProblem(ctx: AppContext, app: Parameters<typeof clientMetadata>[0]): Promise<string | null> {
  const { provider } = await providerHolderFor(ctx).get();
  try {
    await (provider.Client as unknown as { validate(metadata: object): Promise<void> }).validate(clientMetadata(app));
    return null;
  } catch (error) {
    const described = error as { error_description?: string; message?: string };
    return described.error_description ?? described.message ?? 'invalid client settings';
  }
}
export { verifyClientSecret } from './clients.js';

export { CONSOLE_CLIENT_ID, CONSOLE_ACCESS_TOKEN_TTL, adminApiResource, ensureConsoleApplication } from './console-client.js';

/** The person and admin API scopes of a console access token, or null when it is not a live one. */
export async function verifyConsoleToken(ctx: AppContext, token: string) {
  const { provider } = await providerHolderFor(ctx).get();
  return verifyConsoleAccessToken(provider, ctx.config.publicUrl, token);
}
