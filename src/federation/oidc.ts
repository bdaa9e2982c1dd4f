// The upstream OpenID Connect connector (openid-client 6): authorization code flow with PKCE (RFC 7636), state
// and nonce; the ID token is checked per OpenID Connect Core §3.1.3.7, including its JWS signature against the
// IdP's JWKS (openid-client skips that for token-endpoint responses unless non-repudiation checks are on).
import * as client from 'openid-client';
import { TtlCache } from '../cache/index.js';
import type { FederatedIdentity, IdentityProvider } from '../domain/index.js';
import type { FederationFlow } from '../store/index.js';
import { FederationError } from './errors.js';

/**
 * Discovery results and JWKS caches, per IdP version (process-wide: keyed by the IdP's own settings, so never an
 * old version); rebuilt when the IdP changes, or after 10 minutes to pick up the upstream's new metadata.
 */
const configurations = new TtlCache<{ key: string; config: Promise<client.Configuration> }>({
  name: 'upstream-oidc',
  ttlMs: 10 * 60 * 1000,
  maxEntries: 500,
});

const isLoopbackHttp = (url: string) => {
  const parsed = new URL(url);
  return parsed.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
};

/** UPSTREAM_CLOCK_TOLERANCE_SECONDS when unset. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 60;

async function buildConfiguration(
  idp: IdentityProvider,
  clientSecret: string | undefined,
  clockToleranceSeconds: number,
): Promise<client.Configuration> {
  const settings = idp.oidc!;
  const auth = clientSecret ? client.ClientSecretBasic(clientSecret) : client.None();
  // Only the admin API's loopback exception (tests, local IdPs) may use plain http.
  const execute = [client.enableNonRepudiationChecks, ...(isLoopbackHttp(settings.issuer) ? [client.allowInsecureRequests] : [])];
  // openid-client applies the tolerance to exp and nbf; iat in the future is checked in finishOidcLogin.
  const metadata: Partial<client.ClientMetadata> = { [client.clockTolerance]: clockToleranceSeconds };
  if (settings.authorizationEndpoint && settings.tokenEndpoint && settings.jwksUri) {
    const config = new client.Configuration(
      {
        issuer: settings.issuer,
        authorization_endpoint: settings.authorizationEndpoint,
        token_endpoint: settings.tokenEndpoint,
        jwks_uri: settings.jwksUri,
        ...(settings.userinfoEndpoint ? { userinfo_endpoint: settings.userinfoEndpoint } : {}),
      },
      settings.clientId,
      metadata,
      auth,
    );
    for (const step of execute) step(config);
    config.timeout = 10;
    return config;
  }
  try {
    return await client.discovery(new URL(settings.issuer), settings.clientId, metadata, auth, { execute, timeout: 10 });
  } catch (error) {
    throw new FederationError('upstream_discovery_failed', `OpenID Connect discovery at ${settings.issuer} failed`, { cause: error });
  }
}

export function oidcConfiguration(
  idp: IdentityProvider & { updatedAt?: Date },
  clientSecret: string | undefined,
  clockToleranceSeconds = DEFAULT_CLOCK_TOLERANCE_SECONDS,
): Promise<client.Configuration> {
  const key = `${idp.updatedAt?.getTime() ?? ''}:${JSON.stringify(idp.oidc)}:${clientSecret ? 'secret' : 'public'}:${clockToleranceSeconds}`;
  const cached = configurations.get(idp.id);
  if (cached?.key === key) return cached.config;
  const config = buildConfiguration(idp, clientSecret, clockToleranceSeconds);
  configurations.set(idp.id, { key, config });
  // A failed discovery is not cached: the next login tries again.
  config.catch(() => configurations.invalidate(idp.id));
  return config;
}

export interface OidcStart {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUrl: string;
}

export async function startOidcLogin(config: client.Configuration, idp: IdentityProvider, redirectUri: string): Promise<OidcStart> {
  const state = client.randomState();
  const nonce = client.randomNonce();
  const codeVerifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: idp.oidc!.scopes.join(' '),
    response_type: 'code',
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  });
  return { state, nonce, codeVerifier, redirectUrl: url.href };
}

/** Maps openid-client's failures onto our stable codes; the detail stays in the log. */
function classify(error: unknown): FederationError {
  if (error instanceof FederationError) return error;
  const e = error as { code?: string; error?: string; message?: string; cause?: unknown };
  if (e?.error === 'access_denied')
    return new FederationError('upstream_access_denied', 'The identity provider did not let the person in', { cause: error });
  if (e?.error === 'invalid_grant')
    return new FederationError('upstream_invalid_grant', 'The identity provider refused the authorization code', { cause: error });
  if (e?.error) return new FederationError('upstream_error', `The identity provider answered ${e.error}`, { cause: error });
  const message = `${String(e?.message ?? '')} ${String((e?.cause as { message?: unknown } | undefined)?.message ?? '')}`;
  if (/nonce/i.test(message)) return new FederationError('id_token_nonce_mismatch', 'The ID token nonce does not match', { cause: error });
  if (/signature/i.test(message) || e?.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED')
    return new FederationError('id_token_bad_signature', 'The ID token signature is not valid', { cause: error });
  if (/"alg"|algorithm|unsupported.*alg|JWS.*alg/i.test(message))
    return new FederationError('id_token_bad_algorithm', 'The ID token is not signed with an accepted algorithm', { cause: error });
  if (/"iss"|issuer/i.test(message))
    return new FederationError('id_token_wrong_issuer', 'The ID token issuer is not the identity provider', { cause: error });
  if (/"aud"|audience/i.test(message))
    return new FederationError('id_token_wrong_audience', 'The ID token is not meant for this client', { cause: error });
  if (/"exp"|expired|timestamp/i.test(message))
    return new FederationError('id_token_expired', 'The ID token has expired', { cause: error });
  return new FederationError('id_token_invalid', 'The ID token could not be validated', { cause: error });
}

/**
 * The claims the caller's mapping of this IdP reads that `claims` lack (the login asks its claim mapping): the
 * connector verifies, it does not know what the claims are used for.
 */
export type MissingClaims = (idp: IdentityProvider, claims: Record<string, unknown>) => string[];

/**
 * Whether the userinfo endpoint could add a claim the mapping uses: one of them is missing from the ID token
 * and the IdP may supply it (it lists it in `claims_supported`, or lists nothing). Skipping the call saves an
 * HTTP round trip per login with IdPs that put the claims in the ID token.
 */
export function needsUserinfo(missing: string[], claimsSupported: string[] | undefined): boolean {
  const supported = Array.isArray(claimsSupported) ? new Set(claimsSupported.map((c) => c.toLowerCase())) : null;
  return missing.some((name) => {
    // `address.locality` comes inside `address`.
    const top = name.includes('://') ? name : name.split('.')[0]!;
    return !supported || supported.has(top.toLowerCase());
  });
}

/** Exchanges the code and checks the ID token; returns the verified identity. `callbackUrl` carries code and state. */
export async function finishOidcLogin(
  config: client.Configuration,
  idp: IdentityProvider,
  flow: FederationFlow,
  callbackUrl: URL,
  missingClaims: MissingClaims,
  clockToleranceSeconds = DEFAULT_CLOCK_TOLERANCE_SECONDS,
): Promise<FederatedIdentity> {
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: flow.codeVerifier!,
      expectedState: flow.id,
      expectedNonce: flow.nonce!,
      idTokenExpected: true,
    });
  } catch (error) {
    throw classify(error);
  }
  const idToken = tokens.claims();
  if (!idToken) throw new FederationError('id_token_missing', 'The identity provider returned no ID token');
  // OIDC Core §3.1.3.7 (10) leaves "iat too far from now" to the client; openid-client checks only the past side.
  if (idToken.iat > Math.floor(Date.now() / 1000) + clockToleranceSeconds) {
    throw new FederationError('id_token_issued_in_future', 'The ID token was issued in the future (check the clocks)');
  }
  let claims: Record<string, unknown> = { ...idToken };
  if (
    config.serverMetadata().userinfo_endpoint &&
    tokens.access_token &&
    needsUserinfo(missingClaims(idp, idToken), config.serverMetadata().claims_supported)
  ) {
    try {
      // fetchUserInfo checks that the userinfo `sub` is the ID token's (OIDC Core §5.3.2).
      const info = await client.fetchUserInfo(config, tokens.access_token, idToken.sub);
      claims = { ...info, ...idToken };
    } catch (error) {
      throw new FederationError('upstream_userinfo_failed', 'The identity provider’s userinfo endpoint failed', { cause: error });
    }
  }
  for (const protocolClaim of ['nonce', 'at_hash', 'c_hash', 'aud', 'azp', 'iat', 'exp', 'nbf', 'jti']) delete claims[protocolClaim];
  const amr = Array.isArray(idToken.amr) ? idToken.amr.filter((v): v is string => typeof v === 'string') : [];
  return {
    idpId: idp.id,
    subject: idToken.sub,
    claims,
    authnContext: {
      protocol: 'oidc',
      amr,
      acr: typeof idToken.acr === 'string' ? idToken.acr : null,
      authTime: typeof idToken.auth_time === 'number' ? idToken.auth_time : null,
      sessionId: typeof idToken.sid === 'string' ? idToken.sid : null,
    },
  };
}
