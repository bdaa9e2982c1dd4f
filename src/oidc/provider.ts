// The app-facing OpenID Provider (oidc-provider 9), issuer PUBLIC_URL/oidc. Its configuration in one
// place: storage (our adapter), clients (applications), keys and cookie keys (from the store), claims,
// interactions (/login/:uid), and the endpoints apps use: authorization code + PKCE, rotating refresh
// tokens, userinfo, revocation (RFC 7009), introspection (RFC 7662), RP-initiated logout.
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { AppContext } from '../http/index.js';
import { keysFingerprint } from '../store/index.js';
import { createAdapterFactory } from './adapter.js';
import { createFindAccount } from './account.js';
import { SCOPE_CLAIMS, SUPPORTED_SCOPES } from './claims.js';
import { FIRST_PARTY, REQUIRE_PKCE } from './clients.js';
import { adminApiResource, CONSOLE_CLIENT_ID, consoleResourceIndicators, grantableConsoleScopes, roleGroupsOf } from './console-client.js';
import { CONSOLE_SCOPES } from '../domain/index.js';
import { ensureProviderKeys, loadProviderKeys, OIDC_KEY_PURPOSES, type ProviderKeys } from './keys.js';
import { interactionPolicyFor } from './session-idp.js';
import { withSecondStepCheck } from './session-second-step.js';
import { renderProviderError, renderLogoutPrompt, renderLogoutSuccess } from './provider-pages.js';
import { samlLogoutAfterEndSession } from './saml-logout.js';

/** Token lifetimes (seconds). A rotated-out signing key stays published for the longest of ID/access tokens. */
export const TTL = {
  AccessToken: 3600,
  AuthorizationCode: 60,
  IdToken: 3600,
  Interaction: 600,
  Grant: 14 * 24 * 3600,
  Session: 14 * 24 * 3600,
  RefreshToken: 14 * 24 * 3600,
};
export const SIGNING_KEY_KEEP_SECONDS = Math.max(TTL.AccessToken, TTL.IdToken) + 300;

export const issuerOf = (publicUrl: string) => `${publicUrl}/oidc`;

/** The interaction oidc-provider has just saved when it asks where the browser goes (`interactions.url`). */
export type NewInteraction = Parameters<NonNullable<NonNullable<Configuration['interactions']>['url']>>[1];

/** An upstream login begun at the authorization endpoint: where the browser goes, and the flow's binding cookie. */
export interface DirectStartAnswer {
  redirectUrl: string;
  setCookie: string;
}

/** Begins the interaction's upstream login right away when it needs no page first (src/login's start step), else null. */
export type DirectStart = (interaction: NewInteraction) => Promise<DirectStartAnswer | null>;

const DIRECT_START = Symbol('jitbridge.directStart');

/**
 * First-party apps: every scope and claim an app asks for is granted. A third-party app keeps only what the person
 * granted on the consent page (src/login/steps/consent.ts): what is missing makes oidc-provider ask for consent.
 */
async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const accountId = oidc.session?.accountId;
  const client = oidc.client;
  if (!accountId || !client) return undefined;
  const grantId = oidc.result?.consent?.grantId || oidc.session!.grantIdFor(client.clientId);
  let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (grant && (grant.accountId !== accountId || grant.clientId !== client.clientId)) grant = undefined;
  if ((client as unknown as Record<string, unknown>)[FIRST_PARTY] === false) return grant;
  grant ??= new oidc.provider.Grant({ clientId: client.clientId, accountId });
  const scopes = [...(oidc.requestParamScopes as Set<string>)];
  const missing = scopes.filter((s) => !grant.getOIDCScope().split(' ').includes(s));
  const claims = [...(oidc.requestParamClaims as Set<string>)];
  if (missing.length > 0 || claims.length > 0 || !grantId) {
    grant.addOIDCScope(scopes.join(' '));
    if (claims.length > 0) grant.addOIDCClaims(claims);
    await grant.save();
  }
  return grant;
}

/**
 * The console's grant, made afresh on each authorization: the OIDC scopes asked for, and of the admin API's scopes
 * those the person's groups allow now; the others are recorded as refused (so no consent prompt asks for them).
 */
async function loadConsoleGrant(koa: KoaContextWithOIDC, ctx: AppContext) {
  const { oidc } = koa;
  const accountId = oidc.session?.accountId;
  if (!accountId) return undefined;
  const grant = new oidc.provider.Grant({ clientId: CONSOLE_CLIENT_ID, accountId });
  const requested = [...(oidc.requestParamScopes as Set<string>)];
  grant.addOIDCScope(requested.filter((scope) => SUPPORTED_SCOPES.includes(scope)).join(' '));
  const claims = [...(oidc.requestParamClaims as Set<string>)];
  if (claims.length > 0) grant.addOIDCClaims(claims);
  const grantable = new Set(await grantableConsoleScopes(ctx.store, roleGroupsOf(ctx), accountId));
  const wanted = requested.filter((scope) => CONSOLE_SCOPES.includes(scope));
  const resource = adminApiResource(ctx.config.publicUrl);
  const granted = wanted.filter((scope) => grantable.has(scope));
  const refused = wanted.filter((scope) => !grantable.has(scope));
  if (granted.length > 0) grant.addResourceScope(resource, granted.join(' '));
  if (refused.length > 0) grant.rejectResourceScope(resource, refused.join(' '));
  await grant.save();
  return grant;
}

export function buildProvider(ctx: AppContext, keys: ProviderKeys, directStart: () => DirectStart | undefined = () => undefined): Provider {
  const secure = ctx.config.publicUrl.startsWith('https:');
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure, signed: true };
  const configuration: Configuration = {
    adapter: createAdapterFactory(ctx.store, ctx.config.publicUrl),
    findAccount: createFindAccount(ctx.store),
    jwks: keys.jwks as Configuration['jwks'],
    cookies: {
      keys: keys.cookieKeys,
      names: { session: 'jb_session', interaction: 'jb_interaction', resume: 'jb_resume' },
      long: cookieOptions,
      short: cookieOptions,
    },
    // sid is a standalone claim (null: not tied to a scope); acr/amr/auth_time come with `openid`.
    claims: { sid: null, ...Object.fromEntries(Object.entries(SCOPE_CLAIMS).map(([scope, claims]) => [scope, [...claims]])) },
    scopes: SUPPORTED_SCOPES,
    responseTypes: ['code'],
    subjectTypes: ['public'],
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
    extraParams: ['idp'],
    extraClientMetadata: {
      properties: [REQUIRE_PKCE, FIRST_PARTY],
      validator(_ctx, key, value) {
        if ((key === REQUIRE_PKCE || key === FIRST_PARTY) && typeof value !== 'boolean') throw new Error(`${key} must be a boolean`);
      },
    },
    pkce: { required: (_ctx, client) => (client as unknown as Record<string, unknown>)[REQUIRE_PKCE] !== false },
    // Scope claims go into the ID token too: apps get the provisioned user's claims without a userinfo call.
    conformIdTokenClaims: false,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    loadExistingGrant: (koa) => (koa.oidc.client?.clientId === CONSOLE_CLIENT_ID ? loadConsoleGrant(koa, ctx) : loadExistingGrant(koa)),
    interactions: {
      // Always /login/<uid>: oidc-provider scopes the interaction cookie to this path, and the prompt, MFA and
      // chooser pages live under it. A direct start only changes where the redirect points (below).
      url: async (koa, interaction) => {
        const direct = await directStart()?.(interaction);
        if (direct) (koa.state as Record<symbol, DirectStartAnswer>)[DIRECT_START] = direct;
        return `/login/${interaction.uid}`;
      },
      policy: withSecondStepCheck(ctx.store, interactionPolicyFor(ctx.store)),
    },
    ttl: TTL,
    features: {
      devInteractions: { enabled: false },
      // An app revokes only its own tokens (RFC 7009 §2.1).
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      introspection: {
        enabled: true,
        // Only confidential apps introspect, and only their own tokens.
        allowedPolicy: async (_ctx, client, token) => client.clientAuthMethod !== 'none' && token.clientId === client.clientId,
      },
      rpInitiatedLogout: { enabled: true, logoutSource: renderLogoutPrompt, postLogoutSuccessSource: renderLogoutSuccess },
      // One resource: the admin API, for the console's client only (console-client.ts).
      resourceIndicators: consoleResourceIndicators(ctx.config.publicUrl),
      userinfo: { enabled: true },
      claimsParameter: { enabled: true },
    },
    // The client secret is a keyed hash here (clients.ts): nothing may use it as an HMAC key.
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'ES256'],
      userinfoSigningAlgValues: ['RS256', 'ES256'],
      introspectionSigningAlgValues: ['RS256', 'ES256'],
      authorizationSigningAlgValues: ['RS256', 'ES256'],
      requestObjectSigningAlgValues: ['RS256', 'ES256'],
      clientAuthSigningAlgValues: ['RS256', 'ES256'],
    },
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
    renderError: renderProviderError,
  };
  const provider = new Provider(issuerOf(ctx.config.publicUrl), configuration);
  // An https PUBLIC_URL means TLS ends at a proxy in front: trust its X-Forwarded-Proto for secure cookies.
  provider.proxy = secure;
  // A direct start (interactions.url above): the 303 to /login/<uid>, with its interaction cookies, points at the
  // upstream instead and sets the flow's binding cookie too.
  provider.use(async (koa, next) => {
    await next();
    const direct = (koa.state as Record<symbol, DirectStartAnswer | undefined>)[DIRECT_START];
    if (!direct || koa.status !== 303) return;
    koa.append('set-cookie', direct.setCookie);
    koa.redirect(direct.redirectUrl);
  });
  // After jitbridge's own logout, the SAML SPs of the session hear of it (saml-logout.ts).
  provider.use(samlLogoutAfterEndSession(ctx));
  provider.on('server_error', (_koa, error) => ctx.logger.error({ err: error }, 'OpenID Provider error'));
  return provider;
}

/**
 * One provider per process, rebuilt when the keys in the store change (another instance rotated them):
 * a cache of the store's keys, checked every few seconds, never the only copy of anything.
 */
export class ProviderHolder {
  #current: {
    provider: Provider;
    callback: ReturnType<Provider['callback']>;
    keys: ProviderKeys;
    fingerprint: string;
    checkedAt: number;
  } | null = null;
  #ensured = false;
  #pending: Promise<NonNullable<ProviderHolder['current']>> | null = null;
  /** Set by the interaction edge (createOidcEdge); read on each authorization request. */
  directStart: DirectStart | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly recheckMs = 5_000,
  ) {}

  private get current() {
    return this.#current;
  }

  async get() {
    const now = Date.now();
    if (this.#current && now - this.#current.checkedAt < this.recheckMs) return this.#current;
    this.#pending ??= this.refresh().finally(() => (this.#pending = null));
    return this.#pending;
  }

  /** Forget the cached keys (after this instance rotated them). */
  invalidate() {
    this.#current = null;
  }

  private async refresh() {
    if (!this.#ensured) {
      await ensureProviderKeys(this.ctx.store);
      this.#ensured = true;
    }
    const fingerprint = await keysFingerprint(this.ctx.store.db, OIDC_KEY_PURPOSES);
    if (this.#current && this.#current.fingerprint === fingerprint) {
      this.#current.checkedAt = Date.now();
      return this.#current;
    }
    const keys = await loadProviderKeys(this.ctx.store);
    const provider = buildProvider(this.ctx, keys, () => this.directStart);
    this.#current = { provider, callback: provider.callback(), keys, fingerprint, checkedAt: Date.now() };
    return this.#current;
  }
}
