// Applications as oidc-provider clients. The client secret is stored only as a scrypt hash: oidc-provider
// is handed the hash as `client_secret` and its secret comparison is replaced by a scrypt verification
// (HMAC-based algorithms that would use the secret as a key are disabled in the provider configuration).
import { createHash } from 'node:crypto';
import type Provider from 'oidc-provider';
import { type Application, verifyPassword } from '../store/index.js';

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

/**
 * scrypt (about 100 ms and 128 MiB per check) is the right cost for a secret at rest, not for every
 * token request. Successful checks are remembered for a few minutes, keyed by a SHA-256 of (hash, secret):
 * a cache, not state — another instance simply verifies again, and a changed secret has a new hash.
 * Checks of the same (hash, secret) that arrive while one runs wait for it instead of starting their own: when the
 * remembered check expires under load, the token requests in flight would otherwise each start a 128 MiB scrypt.
 */
const verified = new Map<string, number>();
const inFlight = new Map<string, Promise<boolean>>();
const VERIFIED_TTL_MS = 5 * 60_000;
const VERIFIED_MAX = 10_000;

/** scrypt runs so far (checks that were neither remembered nor already running): for tests. */
export const clientSecretChecks = { scrypt: 0 };

export async function verifyClientSecret(storedHash: string, presented: string): Promise<boolean> {
  const key = createHash('sha256').update(storedHash).update('\0').update(presented).digest('base64url');
  const until = verified.get(key);
  if (until !== undefined && until > Date.now()) return true;
  const running = inFlight.get(key);
  if (running) return running;
  clientSecretChecks.scrypt++;
  const check = verifyPassword(presented, storedHash)
    .then((ok) => {
      if (ok) {
        verified.delete(key);
        if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
        verified.set(key, Date.now() + VERIFIED_TTL_MS);
      }
      return ok;
    })
    .finally(() => inFlight.delete(key));
  inFlight.set(key, check);
  return check;
}

/** Replaces oidc-provider's plain comparison of client secrets with the scrypt verification. */
export function useHashedClientSecrets(provider: Provider): void {
  const prototype = (
    provider.Client as unknown as { prototype: { clientSecret?: string; compareClientSecret(actual: string): Promise<boolean> } }
  ).prototype;
  prototype.compareClientSecret = async function compareClientSecret(this: { clientSecret?: string }, actual: string) {
    if (!this.clientSecret || typeof actual !== 'string' || actual.length === 0 || actual.length > 512) return false;
    return verifyClientSecret(this.clientSecret, actual);
  };
}
