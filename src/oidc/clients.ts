// Applications as oidc-provider clients. The client secret is stored only as its keyed hash (store/hashing.ts):
// oidc-provider is handed the hash as `client_secret`, and the edge hands it the keyed hash of the presented secret
// (client-secret-digest.ts), so its own constant-time comparison decides. HMAC-based algorithms that would use the
// secret as a key are disabled in the provider configuration.
import { type Application, clientSecretMatches, type SecretBox } from '../store/index.js';

/** The extra client metadata property that carries the app's PKCE requirement. */
export const REQUIRE_PKCE = 'require_pkce';

/** The extra client metadata property that says whether the app is first-party (consent without a page). */
export const FIRST_PARTY = 'first_party';

export function clientMetadata(app: Pick<Application, 'clientId' | 'clientSecretHash' | 'name' | 'oidc'>): Record<string, unknown> {
  const confidential = app.oidc.tokenEndpointAuthMethod !== 'none';
  return {
    client_id: app.clientId,
    ...(confidential && app.clientSecretHash ? { client_secret: app.clientSecretHash } : {}),
    client_name: app.name,
    redirect_uris: app.oidc.redirectUris,
    post_logout_redirect_uris: app.oidc.postLogoutRedirectUris,
    grant_types: app.oidc.grantTypes,
    response_types: ['code'],
    // A custom-scheme redirect URI (com.example.app:/cb) makes a native app (RFC 8252); else a web app.
    application_type: app.oidc.redirectUris.some((uri) => !/^https?:/i.test(uri)) ? 'native' : 'web',
    token_endpoint_auth_method: app.oidc.tokenEndpointAuthMethod,
    [REQUIRE_PKCE]: !confidential || app.oidc.requirePkce,
    [FIRST_PARTY]: app.oidc.firstParty !== false,
  };
}

/** Whether a candidate is an application's client secret (configuration as code compares without showing it). */
export function verifyClientSecret(secrets: SecretBox, storedHash: string, candidate: string): Promise<boolean> {
  return clientSecretMatches(secrets, candidate, storedHash);
}
